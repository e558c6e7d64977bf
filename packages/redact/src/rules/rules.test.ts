import { describe, expect, it } from '@jest/globals';
import { compileRedactor, type Redactor } from '../redactor.js';
import { LABELLED_RULES, labelledSet } from '../test-helpers/labelled.js';
import { BUILTIN_RULES, RULE_GROUPS } from './index.js';

const redactors = new Map<string, Redactor>();
function only(rule: string): Redactor {
  let r = redactors.get(rule);
  if (r === undefined) {
    r = compileRedactor({ rules: [rule] });
    redactors.set(rule, r);
  }
  return r;
}

/** The exact substrings `rule` alone would replace in `text`. */
function found(rule: string, text: string): string[] {
  return only(rule)
    .scan(text)
    .map((f) => text.slice(f.start, f.end));
}

describe('labelled set (generated positives and near misses)', () => {
  const samples = labelledSet();

  it('covers every built-in rule', () => {
    expect([...LABELLED_RULES].sort()).toEqual(BUILTIN_RULES.map((r) => r.name).sort());
  });

  it.each(BUILTIN_RULES.map((r) => r.name))(
    '%s finds exactly its positives and none of its negatives',
    (rule) => {
      const mine = samples.filter((s) => s.rule === rule);
      expect(mine.filter((s) => s.expected.length > 0).length).toBeGreaterThanOrEqual(50);
      expect(mine.filter((s) => s.expected.length === 0).length).toBeGreaterThanOrEqual(50);
      const wrong = mine
        .map((s) => ({
          note: s.note,
          text: s.text,
          expected: [...s.expected].sort(),
          got: found(rule, s.text).sort(),
        }))
        .filter((x) => JSON.stringify(x.expected) !== JSON.stringify(x.got));
      expect(wrong).toEqual([]);
    },
  );
});

// Hand-written cases: known public example values and the shapes the issue names.
const CASES: Record<string, { yes: [string, string][]; no: string[] }> = {
  private_key: {
    yes: [
      [
        'k=-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY----- next',
        '-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----',
      ],
      [
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----',
        '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----',
      ],
      ['cut: -----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE', '-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE'],
      [
        '-----BEGIN PGP PRIVATE KEY BLOCK-----x-----END PGP PRIVATE KEY BLOCK-----',
        '-----BEGIN PGP PRIVATE KEY BLOCK-----x-----END PGP PRIVATE KEY BLOCK-----',
      ],
    ],
    no: ['-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----', 'no PRIVATE KEY configured'],
  },
  jwt: {
    yes: [
      [
        'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      ],
      ['unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. ok', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
    ],
    no: ['eyJhbGciOiJIUzI1NiJ9 alone', 'prefix eyJ.eyJ.x'],
  },
  url_credentials: {
    yes: [
      ['postgres://app:s3cr3t@db:5432/x', 'app:s3cr3t'],
      ['redis://:hunter2@cache:6379', ':hunter2'],
      ['https://oauth2:p@ss@gitlab.example.com/g/r.git', 'oauth2:p@ss'],
    ],
    no: ['https://example.com:8443/a', 'ssh://git@github.com/o/r', 'amqp://guest:***@mq/'],
  },
  aws_access_key_id: {
    yes: [['aws_access_key_id=AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE']],
    no: ['AKIAIOSFODNN7EXAMPL', 'AKIAIOSFODNN7EXAMPLEX'],
  },
  aws_secret_access_key: {
    yes: [
      [
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      ],
      [
        'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      ],
    ],
    no: ['commit da39a3ee5e6b4b0d3255bfef95601890afd80709', 'blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  },
  github_token: {
    yes: [['token ghp_1234567890abcdefghijklmnopqrstuvwxyz ok', 'ghp_1234567890abcdefghijklmnopqrstuvwxyz']],
    no: ['ghp_tooshort'],
  },
  gitlab_token: { yes: [['glpat-abcdefghij0123456789', 'glpat-abcdefghij0123456789']], no: ['glpat-123'] },
  slack_token: {
    yes: [
      [
        'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
        'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      ],
    ],
    no: ['xoxb-'],
  },
  slack_webhook: {
    yes: [
      [
        'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
        'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      ],
    ],
    no: ['https://hooks.slack.com/services/'],
  },
  stripe_key: {
    yes: [['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc']],
    no: ['pk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  },
  google_api_key: {
    yes: [['key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe', 'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe']],
    no: ['AIzaSyDaGmWKa4'],
  },
  google_oauth: {
    yes: [['client_secret GOCSPX-abcdefghijklmnopqrstuvwxyz12 x', 'GOCSPX-abcdefghijklmnopqrstuvwxyz12']],
    no: ['ya29.x'],
  },
  openai_api_key: {
    yes: [
      [
        'sk-abcdefghij0123456789T3BlbkFJabcdefghij0123456789',
        'sk-abcdefghij0123456789T3BlbkFJabcdefghij0123456789',
      ],
    ],
    no: ['sk-abcdefghij0123456789abcdefghij0123456789'],
  },
  anthropic_api_key: {
    yes: [
      [
        'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-AA',
        'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789-AA',
      ],
    ],
    no: ['sk-ant-'],
  },
  npm_token: {
    yes: [
      [
        '//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789',
        'npm_abcdefghijklmnopqrstuvwxyz0123456789',
      ],
    ],
    no: ['npm_config_registry=https://registry.npmjs.org/'],
  },
  basic_auth: {
    yes: [['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA==']],
    no: ['Basic auth disabled', 'Basic SGVsbG8gd29ybGQh'],
  },
  bearer: {
    yes: [
      ['Authorization: Bearer abc123def456', 'abc123def456'],
      ['Authorization: Bearer short', 'short'],
      ['authorization: token ghx0123456789', 'ghx0123456789'],
      ['header Bearer 9f8e7d6c5b4a', '9f8e7d6c5b4a'],
      ['Authorization: Basic YXBpa2V5LW5vLWNvbG9u', 'YXBpa2V5LW5vLWNvbG9u'],
    ],
    no: ['bearer token required', 'Authorization header missing', 'Authorization: Bearer <token>'],
  },
  secret_kv: {
    yes: [
      ['password=hunter2 user=bob', 'hunter2'],
      ['{"password":"hun\\"ter2","user":"bob"}', 'hun\\"ter2'],
      ['DB_PASSWORD="correct horse battery"', 'correct horse battery'],
      ['clientSecret: 8f7e6d', '8f7e6d'],
      ['X-Api-Key: abcdef123456', 'abcdef123456'],
      ['mysql --password s3cret -h db', 's3cret'],
      ['<password>s3cret</password>', 's3cret'],
      ['password = s3cret', 's3cret'],
      ['JSESSIONID=8A7B6C5D4E3F; Path=/', '8A7B6C5D4E3F'],
    ],
    no: [
      'password= user=bob',
      'password=null',
      'bypass=true',
      'max_tokens=100',
      'Processed session termination for sessionid: 0x14ede63a5a70002',
      'Priority: 20, Token: Token { kind: ContainerToken }',
      'password: ********',
      'token=$' + '{TOKEN}',
    ],
  },
  email: {
    yes: [
      ['From: Jane <jane.doe+x@mail.example.co.uk>', 'jane.doe+x@mail.example.co.uk'],
      ['GET /reset?email=bob%40example.com HTTP/1.1', 'bob%40example.com'],
      ['done. Contact ops@example.org.', 'ops@example.org'],
    ],
    no: ['logo@2x.png', 'root@localhost', 'lodash@4.17.21', 'a..b@example.com'],
  },
  iban: {
    yes: [
      ['pay to DE89 3704 0044 0532 0130 00 today', 'DE89 3704 0044 0532 0130 00'],
      ['iban=GB82WEST12345698765432', 'GB82WEST12345698765432'],
    ],
    no: ['DE88370400440532013000', 'DE89 370 40044 0532 0130 00'],
  },
  credit_card: {
    yes: [
      ['card 4111 1111 1111 1111 exp 12/29', '4111 1111 1111 1111'],
      ['pan=5555555555554444', '5555555555554444'],
      ['amex 3782-822463-10005', '3782-822463-10005'],
      ['ids 1234 4111 1111 1111 1111', '4111 1111 1111 1111'],
    ],
    no: [
      'blk_-6952295868487656571',
      'REPORT : 7024 5015 150454 240',
      'onExtend:1514038530000',
      '4111111111111112',
      '4111 1111-1111 1111',
    ],
  },
  ssn: { yes: [['ssn: 123-45-6789.', '123-45-6789']], no: ['078-05-11200', '2005-06-03'] },
  phone: {
    yes: [
      ['call (415) 555-0132 now', '(415) 555-0132'],
      ['tel +44 20 7946 0958', '+44 20 7946 0958'],
      ['phone: 415 555 0132', '415 555 0132'],
      ['+1 (415) 555-0132', '+1 (415) 555-0132'],
    ],
    no: ['1117838570', 'order 415 555 0132', '2015-07-29 17:41:44,747', '10.251.73.220'],
  },
  ipv6: {
    yes: [
      ['from [2001:db8::1]:443', '2001:db8::1'],
      ['QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:Fast', '0:0:0:0:0:0:0:0'],
      ['addr ::ffff:10.0.0.1 ok', '::ffff:10.0.0.1'],
      ['link fe80::1%eth0 up', 'fe80::1%eth0'],
    ],
    no: ['std::vector', 'FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC', 'at 12:34:56'],
  },
  mac: {
    yes: [
      ['hw 00:1A:2B:3C:4D:5E.', '00:1A:2B:3C:4D:5E'],
      ['hw 00-1a-2b-3c-4d-5e', '00-1a-2b-3c-4d-5e'],
      ['hw 001a.2b3c.4d5e', '001a.2b3c.4d5e'],
    ],
    no: ['FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC', '05-06-03-15-42-50'],
  },
  ipv4: {
    yes: [
      ['rhost=218.188.2.4 ', '218.188.2.4'],
      ['blockMap updated: 10.251.73.220:50010 is added', '10.251.73.220'],
      ['net 10.0.0.0/8.', '10.0.0.0'],
      ['GET /api/hosts/10.1.2.3 HTTP/1.1', '10.1.2.3'],
      ['http://192.168.1.10/admin', '192.168.1.10'],
      ['Connecting to ResourceManager at msra-sa-41/10.190.173.170:8030', '10.190.173.170'],
    ],
    no: ['2005-06-03-15.42.50.675872', 'Chrome/120.0.0.0 Safari/537.36', 'release 1.2.3.4', '1.3.6.1.4.1'],
  },
};

describe('hand-written cases', () => {
  it('cover every rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(BUILTIN_RULES.map((r) => r.name).sort());
  });

  for (const [rule, { yes, no }] of Object.entries(CASES)) {
    it.each(yes)(`${rule} finds the value in %j`, (text, value) => {
      expect(found(rule, text)).toEqual([value]);
      const out = only(rule).redact(text).text;
      expect(out).not.toContain(value);
      expect(out).toContain(`[REDACTED:${rule}]`);
    });
    it.each(no)(`${rule} leaves %j alone`, (text) => {
      expect(found(rule, text)).toEqual([]);
    });
  }
});

describe('rule groups', () => {
  it('partition the rules', () => {
    const union = [...RULE_GROUPS.secrets, ...RULE_GROUPS.pii, ...RULE_GROUPS.network].sort();
    expect(union).toEqual([...RULE_GROUPS.all].sort());
    expect(RULE_GROUPS.network).toEqual(['ipv6', 'mac', 'ipv4']);
  });
});

describe('linear time on adversarial input', () => {
  // Inputs that would make a careless regex retry at every position (quadratic) or backtrack: long
  // runs of the characters each rule starts with. 200 KiB each; every rule together must stay fast.
  const n = 200 * 1024;
  const inputs: [string, string][] = [
    ['digits', '4'.repeat(n)],
    ['digit groups', '4111 '.repeat(n / 5)],
    ['dotted digits', '1.'.repeat(n / 2)],
    ['hex colons', 'ab:'.repeat(n / 3)],
    ['colons', ':'.repeat(n)],
    ['at signs', 'a@'.repeat(n / 2)],
    ['eyJ', 'eyJ'.repeat(n / 3)],
    ['eyJ dots', 'eyJabcdef.'.repeat(n / 10)],
    ['sk-', `${'sk-'.repeat(n / 3)}T3BlbkFJ`],
    ['password=', 'password='.repeat(n / 9)],
    ['quotes', `password="${'\\"'.repeat(n / 2)}`],
    ['scheme', 'a://'.repeat(n / 4)],
    ['plus', '+1 '.repeat(n / 3)],
    ['upper', 'DE89'.repeat(n / 4)],
    ['private key', '-----BEGIN PRIVATE KEY-----'.repeat(n / 27)],
    ['bearer', 'Bearer '.repeat(n / 7)],
    ['spaces', `password${' '.repeat(n)}`],
  ];
  const all = compileRedactor();

  it.each(inputs)('%s: all rules in well under a second', (_name, text) => {
    const t0 = performance.now();
    all.redact(text);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1500);
  });
});
