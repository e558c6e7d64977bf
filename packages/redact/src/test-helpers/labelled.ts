/**
 * A labelled evaluation set built by code: for every built-in rule, positives (a real-shaped value in a
 * log-line context, with the exact span the rule must replace) and negatives (near misses that look
 * similar but are not that kind of data). Deterministic for a seed, so tests and `pnpm eval` agree.
 */
import { luhnValid } from '../validators.js';

export interface LabelledSample {
  readonly rule: string;
  readonly text: string;
  /** Substrings the rule must replace exactly; empty for a negative. Each occurs once in `text`. */
  readonly expected: readonly string[];
  readonly note: string;
}

/** mulberry32: a small seeded PRNG (tests must not depend on Math.random). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${ALNUM}-_`;
const B64 = `${ALNUM}+/`;
const HEX = '0123456789abcdef';
const UPPER_B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

class Gen {
  readonly #r: () => number;
  constructor(seed: number) {
    this.#r = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.#r() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  str(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
  digits(n: number): string {
    return this.str('0123456789', n);
  }
  /** A random token that surely has a digit, an upper and a lower case letter. */
  token(n: number, alphabet = ALNUM): string {
    return `a7Q${this.str(alphabet, n - 3)}`;
  }
}

function luhnComplete(prefix: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(prefix + d)) return prefix + d;
  throw new Error('unreachable');
}

function ibanCheck(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let rem = 0;
  for (const ch of rearranged) {
    const v = /[A-Z]/.test(ch) ? ch.charCodeAt(0) - 55 : Number(ch);
    rem = (rem * (v > 9 ? 100 : 10) + v) % 97;
  }
  return String(98 - rem).padStart(2, '0');
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** Log-line contexts around a value (`V`); each keeps the value delimited the way logs do. */
const CONTEXTS = [
  'V',
  'user action value=V ok',
  '2024-03-01T12:00:00.123Z INFO [worker-3] processed V in 12ms',
  '{"level":"info","msg":"event","value":"V","n":3}',
  'level=warn msg="saw V during retry" attempt=2',
  'got (V) from upstream',
  'field: V',
  '<value>V</value>',
  'values [V, other]',
];

function inContext(g: Gen, value: string, contexts: readonly string[] = CONTEXTS): string {
  return g.pick(contexts).replace('V', value);
}

type Maker = (g: Gen) => { text: string; expected: string[]; note: string };

function pos(value: string, note: string, text?: string): { text: string; expected: string[]; note: string } {
  return { text: text ?? value, expected: [value], note };
}

function neg(text: string, note: string): { text: string; expected: string[]; note: string } {
  return { text, expected: [], note };
}

// --- generators per rule: positives -------------------------------------------------------------------

function card(g: Gen): { value: string; issuer: string } {
  const issuers: [string, () => string, number][] = [
    ['visa', () => '4', 16],
    ['visa13', () => '4', 13],
    ['mastercard', () => String(g.int(51, 55)), 16],
    ['mastercard2', () => String(g.int(2221, 2720)), 16],
    ['amex', () => g.pick(['34', '37']), 15],
    ['discover', () => '6011', 16],
    ['jcb', () => String(g.int(3528, 3589)), 16],
    ['diners', () => '36', 14],
    ['unionpay19', () => '62', 19],
  ];
  const [issuer, prefix, len] = g.pick(issuers);
  const p = prefix();
  return { value: luhnComplete(p + g.digits(len - p.length - 1)), issuer };
}

function printedCard(g: Gen, digits: string): string {
  const style = g.int(0, 2);
  if (style === 0) return digits;
  const sep = style === 1 ? ' ' : '-';
  if (digits.length === 15) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  return digits.match(/.{1,4}/g)!.join(sep);
}

function email(g: Gen): string {
  const local = g.pick([
    `${g.str('abcdefghijklmnopqrstuvwxyz', g.int(3, 8))}.${g.str('abcdefghijklmnopqrstuvwxyz', g.int(3, 8))}`,
    `${g.str('abcdefghijklmnopqrstuvwxyz', g.int(4, 10))}${g.digits(2)}`,
    `${g.str('abcdefghijklmnopqrstuvwxyz', 5)}+tag`,
    `${g.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1)}${g.str('abcdefghijklmnopqrstuvwxyz', 6)}_${g.str('abcdefghijklmnopqrstuvwxyz', 3)}`,
  ]);
  const domain = `${g.str('abcdefghijklmnopqrstuvwxyz', g.int(3, 9))}${g.pick(['', '-mail', '.corp'])}`;
  return `${local}@${domain}.${g.pick(['com', 'org', 'io', 'co.uk', 'de', 'dev', 'cloud', 'fr'])}`;
}

function jwt(g: Gen): string {
  const header = b64url(JSON.stringify({ alg: g.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({ sub: g.digits(8), name: g.str('abcdefgh', 6), iat: 1700000000 + g.int(0, 1e6) }),
  );
  return `${header}.${payload}.${g.str(B64URL, 43)}`;
}

function ipv4(g: Gen): string {
  return [g.int(1, 223), g.int(0, 255), g.int(0, 255), g.int(1, 254)].join('.');
}

function hexGroup(g: Gen): string {
  return g.str(HEX, g.int(1, 4)).replace(/^0+(?=.)/, '');
}

function ipv6(g: Gen): string {
  const full = Array.from({ length: 8 }, () => hexGroup(g));
  switch (g.int(0, 5)) {
    case 0:
      return `2001:db8:${full.slice(2, 7).join(':')}:1${full[7]!.slice(1)}`;
    case 1:
      return `fe80::${hexGroup(g)}:${hexGroup(g)}:1`;
    case 2:
      return '::1';
    case 3:
      return `::ffff:${ipv4(g)}`;
    case 4:
      return `2001:db8::${g.int(1, 9999)}`;
    default:
      return `${g.pick(['2a00', '2606', '2001'])}:${hexGroup(g)}:${g.int(1, 99)}::${hexGroup(g)}:${g.int(1, 9)}`;
  }
}

function mac(g: Gen): string {
  const bytes = Array.from({ length: 6 }, () => g.str('0123456789ABCDEF', 2));
  bytes[1] = `${g.pick(['A', 'B', 'C', 'D', 'E', 'F'])}${g.pick(['0', '1', 'A', 'F'])}`;
  const style = g.int(0, 3);
  if (style === 0) return bytes.join(':');
  if (style === 1) return bytes.join(':').toLowerCase();
  if (style === 2) return bytes.join('-');
  const hex = bytes.join('').toLowerCase();
  return `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`;
}

function ssn(g: Gen): string {
  let area = g.int(1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(g.int(1, 99)).padStart(2, '0')}-${String(g.int(1, 9999)).padStart(4, '0')}`;
}

function phone(g: Gen): string {
  const area = g.int(201, 989);
  const ex = g.int(200, 999);
  const line = String(g.int(0, 9999)).padStart(4, '0');
  return g.pick([
    `(${area}) ${ex}-${line}`,
    `${area}-${ex}-${line}`,
    `${area}.${ex}.${line}`,
    `+1 ${area} ${ex} ${line}`,
    `+1-${area}-${ex}-${line}`,
    `1-800-${ex}-${line}`,
    `+1${area}${ex}${line}`,
    `+44 20 7946 ${line}`,
    `+49 30 ${g.digits(6)}`,
    `+33 1 ${g.digits(2)} ${g.digits(2)} ${g.digits(2)} ${g.digits(2)}`,
    `+91 98765 ${g.digits(5)}`,
    `+61 2 ${g.digits(4)} ${g.digits(4)}`,
  ]);
}

function iban(g: Gen, spaced: boolean): string {
  const [country, bban] = g.pick<[string, () => string]>([
    ['DE', () => g.digits(18)],
    ['GB', () => `${g.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4)}${g.digits(14)}`],
    ['FR', () => g.digits(23)],
    ['NL', () => `${g.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4)}${g.digits(10)}`],
    ['ES', () => g.digits(20)],
    ['IT', () => `${g.str('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1)}${g.digits(22)}`],
    ['CH', () => g.digits(17)],
    ['BE', () => g.digits(12)],
  ]);
  const b = bban();
  const compact = `${country}${ibanCheck(country, b)}${b}`;
  return spaced ? compact.match(/.{1,4}/g)!.join(' ') : compact;
}

function pem(g: Gen, kind: string): string {
  const body = Array.from({ length: g.int(2, 5) }, () => g.str(B64, 64)).join('\\n');
  return `-----BEGIN ${kind}-----\\n${body}\\n-----END ${kind}-----`;
}

const KV_KEYS = [
  'password',
  'passwd',
  'db_password',
  'DB_PASSWORD',
  'secret',
  'client_secret',
  'clientSecret',
  'api_key',
  'apiKey',
  'x-api-key',
  'token',
  'access_token',
  'auth_token',
  'refresh_token',
  'session_id',
  'credentials',
  'passphrase',
];

const POSITIVES: Record<string, Maker> = {
  private_key: (g) => {
    const v = pem(
      g,
      g.pick([
        'RSA PRIVATE KEY',
        'EC PRIVATE KEY',
        'OPENSSH PRIVATE KEY',
        'PRIVATE KEY',
        'ENCRYPTED PRIVATE KEY',
      ]),
    );
    return pos(
      v,
      'PEM block on one line (escaped newlines)',
      g.pick([`key loaded: ${v}`, `{"tls_key":"${v}"}`, v]),
    );
  },
  jwt: (g) => {
    const v = jwt(g);
    return pos(
      v,
      'HS/RS/ES JWT',
      inContext(g, v, [...CONTEXTS, 'GET /api?access_token=V HTTP/1.1', 'cookie session=V;']),
    );
  },
  url_credentials: (g) => {
    const user = g.str('abcdefghijklmnop', g.int(3, 8));
    const pass = g.pick([g.token(12), `${g.str(ALNUM, 6)}@${g.str(ALNUM, 4)}`, `p%40ss${g.digits(3)}`]);
    const scheme = g.pick(['https', 'postgres', 'mysql', 'redis', 'amqp', 'mongodb+srv']);
    const v = `${user}:${pass}`;
    return pos(
      v,
      `${scheme} URL with userinfo`,
      `connecting to ${scheme}://${v}@db-${g.int(1, 9)}.internal:5432/app`,
    );
  },
  aws_access_key_id: (g) => {
    const v = `${g.pick(['AKIA', 'ASIA'])}${g.str(UPPER_B32, 16)}`;
    return pos(v, 'key id', inContext(g, v, [...CONTEXTS, 'aws_access_key_id = V']));
  },
  aws_secret_access_key: (g) => {
    const v = `${g.token(30, B64)}${g.str(B64, 10)}`;
    const id = `AKIA${g.str(UPPER_B32, 16)}`;
    return pos(
      v,
      'keyed or next to a key id',
      g.pick([
        `aws_secret_access_key = ${v}`,
        `{"SecretAccessKey": "${v}"}`,
        `AWS_SECRET_ACCESS_KEY=${v}`,
        `${id} ${v}`,
      ]),
    );
  },
  github_token: (g) => {
    const v = g.pick([
      `${g.pick(['ghp', 'gho', 'ghu', 'ghs', 'ghr'])}_${g.str(ALNUM, 36)}`,
      `github_pat_${g.str(ALNUM, 22)}_${g.str(ALNUM, 59)}`,
    ]);
    return pos(
      v,
      'classic or fine-grained',
      inContext(g, v, [...CONTEXTS, 'https://x-access-token:V@github.com/o/r']),
    );
  },
  gitlab_token: (g) => {
    const v = g.pick([
      `glpat-${g.str(`${ALNUM}_-`, 20)}`,
      `glrt-${g.str(ALNUM, 24)}`,
      `GR1348941${g.str(ALNUM, 20)}`,
    ]);
    return pos(v, 'PAT, runner or registration token', inContext(g, v));
  },
  slack_token: (g) => {
    const v = g.pick([
      `xoxb-${g.digits(12)}-${g.digits(13)}-${g.str(ALNUM, 24)}`,
      `xoxp-${g.digits(12)}-${g.digits(12)}-${g.digits(13)}-${g.str(HEX, 32)}`,
      `xapp-1-A${g.str(UPPER_B32, 10)}-${g.digits(13)}-${g.str(HEX, 64)}`,
    ]);
    return pos(v, 'bot, user or app token', inContext(g, v));
  },
  slack_webhook: (g) => {
    const v = `T${g.str(UPPER_B32, 8)}/B${g.str(UPPER_B32, 10)}/${g.str(ALNUM, 24)}`;
    return pos(v, 'webhook path', `posting alert to https://hooks.slack.com/services/${v} status=200`);
  },
  stripe_key: (g) => {
    const v = g.pick([
      `sk_live_${g.str(ALNUM, 24)}`,
      `rk_test_${g.str(ALNUM, 99)}`,
      `whsec_${g.str(ALNUM, 32)}`,
    ]);
    return pos(v, 'secret, restricted or webhook key', inContext(g, v));
  },
  google_api_key: (g) => {
    const v = `AIza${g.str(`${ALNUM}_-`, 35)}`;
    return pos(v, 'API key', inContext(g, v, [...CONTEXTS, 'GET /maps/api/geocode/json?key=V&address=x']));
  },
  google_oauth: (g) => {
    const v = g.pick([`GOCSPX-${g.str(`${ALNUM}_-`, 28)}`, `ya29.${g.str(`${ALNUM}_-`, 120)}`]);
    return pos(v, 'client secret or access token', inContext(g, v));
  },
  openai_api_key: (g) => {
    const v = g.pick([
      `sk-${g.str(ALNUM, 20)}T3BlbkFJ${g.str(ALNUM, 20)}`,
      `sk-proj-${g.str(`${ALNUM}_-`, 74)}T3BlbkFJ${g.str(`${ALNUM}_-`, 74)}`,
    ]);
    return pos(v, 'legacy or project key', inContext(g, v));
  },
  anthropic_api_key: (g) => {
    const v = `sk-ant-api03-${g.str(`${ALNUM}_-`, 93)}AA`;
    return pos(v, 'API key', inContext(g, v));
  },
  npm_token: (g) => {
    const v = `npm_${g.str(ALNUM, 36)}`;
    return pos(v, 'access token', inContext(g, v, [...CONTEXTS, '//registry.npmjs.org/:_authToken=V']));
  },
  basic_auth: (g) => {
    const v = Buffer.from(`${g.str('abcdefgh', 5)}:${g.token(10)}`).toString('base64');
    return pos(
      v,
      'Authorization: Basic',
      g.pick([`Authorization: Basic ${v}`, `"authorization":"Basic ${v}"`, `basic ${v}`]),
    );
  },
  bearer: (g) => {
    const v = g.pick([g.token(32, B64URL), `${g.str(ALNUM, 8)}.${g.str(ALNUM, 24)}`, g.token(20)]);
    return pos(
      v,
      'Bearer token or Authorization credential',
      g.pick([
        `Authorization: Bearer ${v}`,
        `"Authorization": "Bearer ${v}"`,
        `curl -H 'authorization: bearer ${v}' https://api`,
        `Authorization: token ${v}`,
        `using Bearer ${v} for upstream`,
      ]),
    );
  },
  secret_kv: (g) => {
    const key = g.pick(KV_KEYS);
    const v = g.pick([g.token(14), `${g.str(ALNUM, 6)}!${g.str(ALNUM, 4)}`, 'hunter2', g.token(40, B64)]);
    const forms = [
      `${key}=${v} user=bob`,
      `${key}="${v}" user=bob`,
      `{"${key}":"${v}","user":"bob"}`,
      `{"${key}": "${v}"}`,
      `${key}: ${v}`,
      `cmd --${key} ${v} --verbose`,
      `<${key}>${v}</${key}>`,
      `{\\"${key}\\":\\"${v}\\"}`,
      `${key}='${v}'`,
      `GET /login?user=bob&${key}=${v}&next=/ HTTP/1.1`,
    ];
    return pos(v, `${key} pair`, g.pick(forms));
  },
  email: (g) => {
    const v = email(g);
    return pos(v, 'address', inContext(g, v, [...CONTEXTS, 'From: "Bob" <V>', 'mailto:V']));
  },
  iban: (g) => {
    const spaced = g.int(0, 1) === 1;
    const v = iban(g, spaced);
    return pos(v, spaced ? 'printed IBAN' : 'compact IBAN', inContext(g, v));
  },
  credit_card: (g) => {
    const { value, issuer } = card(g);
    const v = printedCard(g, value);
    return pos(v, issuer, inContext(g, v, [...CONTEXTS, 'charge card=V amount=12.50', '"pan": "V"']));
  },
  ssn: (g) => {
    const v = ssn(g);
    return pos(v, 'ddd-dd-dddd', inContext(g, v, [...CONTEXTS, 'ssn=V']));
  },
  phone: (g) => {
    const v = phone(g);
    return pos(v, 'NANP or E.164 shape', inContext(g, v, [...CONTEXTS, 'call me at V', 'phone: V']));
  },
  ipv6: (g) => {
    const v = ipv6(g);
    return pos(v, 'IPv6', inContext(g, v, [...CONTEXTS, 'listening on [V]:8443', 'client=V port=22']));
  },
  mac: (g) => {
    const v = mac(g);
    return pos(
      v,
      'MAC',
      inContext(g, v, [...CONTEXTS, 'dhcp ack for V lease 3600', 'link/ether V mtu 1500']),
    );
  },
  ipv4: (g) => {
    const v = ipv4(g);
    return pos(
      v,
      'IPv4',
      inContext(g, v, [...CONTEXTS, 'connect to V:8080 refused', 'rhost=V ', 'route V/24']),
    );
  },
};

// --- negatives: near misses ---------------------------------------------------------------------------

function breakLuhn(digits: string): string {
  const last = Number(digits[digits.length - 1]);
  return digits.slice(0, -1) + String((last + 1) % 10);
}

const NEGATIVES: Record<string, Maker> = {
  private_key: (g) =>
    g.pick([
      neg(pem(g, 'PUBLIC KEY'), 'public key'),
      neg(pem(g, 'CERTIFICATE'), 'certificate'),
      neg('error: could not find PRIVATE KEY file /etc/tls/key.pem', 'prose'),
    ]),
  jwt: (g) =>
    g.pick([
      neg(`token eyJ${g.str(B64URL, 20)} only one part`, 'one segment'),
      neg(`eyJ${g.str(B64URL, 10)}.${g.str(B64URL, 10)}.${g.str(B64URL, 10)}`, 'payload not JSON'),
      neg(`x${jwt(g)}`, 'glued to a word'),
    ]),
  url_credentials: (g) =>
    g.pick([
      neg(`GET https://api.example.com:8443/v1/items?page=${g.int(1, 9)}`, 'host:port, no userinfo'),
      neg(`cloning ssh://git@github.com/org/repo.git`, 'user without password'),
      neg('hdfs://msra-sa-41:9000/tmp/hadoop-yarn/staging', 'hdfs host:port'),
      neg(`https://host/path?next=a:b@c`, 'colon and @ after the path'),
      neg(`postgres://admin:***@db:5432/app`, 'masked password'),
    ]),
  aws_access_key_id: (g) =>
    g.pick([
      neg(`AKIA${g.str(UPPER_B32, 15)}`, 'too short'),
      neg(`AKIA${g.str('ABCDEFGH', 8)}0189${g.str('ABCD', 4)}`, 'not base32 (0,1,8,9)'),
      neg(`XAKIA${g.str(UPPER_B32, 16)}`, 'glued'),
    ]),
  aws_secret_access_key: (g) =>
    g.pick([
      neg(`commit ${g.str(HEX, 40)} merged`, 'a sha1'),
      neg(`value ${g.token(40, B64)} without context`, 'no key nearby'),
      neg(`aws_secret_access_key = ${g.token(39, B64)}`, '39 characters'),
    ]),
  github_token: (g) =>
    g.pick([
      neg(`ghp_${g.str(ALNUM, 20)}`, 'too short'),
      neg('set ghp_ prefix in the config', 'prefix only'),
      neg(`xghp_${g.str(ALNUM, 36)}`, 'glued'),
    ]),
  gitlab_token: (g) =>
    g.pick([
      neg('glpat-short', 'too short'),
      neg(`myglpat-${g.str(ALNUM, 20)}`, 'glued'),
      neg('global-config loaded', 'gl word'),
    ]),
  slack_token: (g) =>
    g.pick([neg('xoxb-123', 'too short'), neg(`xoxz-${g.digits(12)}-${g.str(ALNUM, 24)}`, 'unknown type')]),
  slack_webhook: (g) =>
    g.pick([
      neg('see https://hooks.slack.com/ for setup', 'no path'),
      neg('hooks.slack.com/services/short', 'too short'),
    ]),
  stripe_key: (g) =>
    g.pick([
      neg(`pk_live_${g.str(ALNUM, 24)}`, 'publishable key'),
      neg('sk_live_abc', 'too short'),
      neg(`sk_demo_${g.str(ALNUM, 24)}`, 'unknown mode'),
    ]),
  google_api_key: (g) =>
    g.pick([neg(`AIza${g.str(ALNUM, 20)}`, 'too short'), neg('AIzaSy prefix', 'prefix only')]),
  google_oauth: (g) =>
    g.pick([neg('ya29.short', 'too short'), neg(`GOCSPX-${g.str(ALNUM, 10)}`, 'too short')]),
  openai_api_key: (g) => neg(`sk-${g.str(ALNUM, 48)}`, 'no T3BlbkFJ marker'),
  anthropic_api_key: (g) =>
    g.pick([neg('sk-ant-', 'prefix'), neg(`sk-ant-foo-${g.str(ALNUM, 8)}`, 'malformed')]),
  npm_token: (g) =>
    g.pick([
      neg(`npm_config_cache=/home/u/.npm`, 'npm env var'),
      neg(`npm_${g.str(ALNUM, 10)}`, 'too short'),
    ]),
  basic_auth: (g) =>
    g.pick([
      neg('Basic auth failed for user', 'prose'),
      neg(`Basic ${Buffer.from('Hello world!').toString('base64')}`, 'no colon inside'),
      neg('basic level=3', 'word'),
    ]),
  bearer: (g) =>
    g.pick([
      neg('bearer token missing', 'prose'),
      neg('Bearer authentication required', 'prose'),
      neg('WWW-Authenticate: Bearer realm="api"', 'challenge'),
      neg('authorization: failed for user bob', 'prose'),
      neg('Authorization: Bearer ***', 'masked'),
    ]),
  secret_kv: (g) =>
    g.pick([
      neg(`max_tokens=${g.int(10, 4000)}`, 'max_tokens'),
      neg('token_type=bearer expires_in=3600', 'token_type'),
      neg(`password_length=${g.int(8, 64)}`, 'password_length'),
      neg('bypass=true', 'bypass'),
      neg('secretary: Jane', 'secretary'),
      neg('password= user=bob', 'empty value'),
      neg('password=*** user=bob', 'masked'),
      neg('{"password":null}', 'null'),
      neg('tokenizer=bpe', 'tokenizer'),
      neg('Adding #0 tokens and #1 secret keys for NM use', 'prose (loghub Hadoop)'),
      neg('kind: Secret', 'k8s kind'),
      neg('secret_name=db-creds', 'secret_name'),
    ]),
  email: (g) =>
    g.pick([
      neg(`<img src="logo@2x.png">`, 'retina image'),
      neg('user@localhost', 'no TLD'),
      neg('ping @channel please', 'mention'),
      neg(`lodash@4.17.${g.int(1, 21)}`, 'package@version'),
      neg(`image@sha256:${g.str(HEX, 64)}`, 'image digest'),
      neg(`java.lang.Object@${g.str(HEX, 8)}`, 'Java identity hash'),
    ]),
  iban: (g) => {
    const good = iban(g, false);
    const badCheck = `${good.slice(0, 2)}${String((Number(good.slice(2, 4)) + 1) % 100).padStart(2, '0')}${good.slice(4)}`;
    return g.pick([
      neg(badCheck, 'wrong check digits'),
      neg(`${good}${g.digits(2)}`, 'too long for the country'),
      neg(`XX${g.digits(20)}`, 'unknown country'),
      neg(`ORDER${g.digits(2)}${g.digits(16)}`, 'order id'),
    ]);
  },
  credit_card: (g) => {
    const { value } = card(g);
    return g.pick([
      neg(breakLuhn(value), 'Luhn fails'),
      neg(`blk_-${value}`, 'HDFS block id'),
      neg(`id=${luhnComplete(`9${g.digits(14)}`)}`, 'no issuer prefix, no separators'),
      neg(`ts=${luhnComplete(`17${g.digits(16)}`)}`, 'epoch-ns timestamp'),
      neg(`${value}.${g.digits(2)}`, 'decimal'),
      neg(`0x${value}`, 'hex literal'),
      neg(`onExtend:${luhnComplete(`15140${g.digits(7)}`)}`, 'epoch-ms (HealthApp)'),
    ]);
  },
  ssn: (g) =>
    g.pick([
      neg(`000-${g.digits(2)}-1234`, 'area 000'),
      neg(`666-12-${g.digits(4)}`, 'area 666'),
      neg(`9${g.digits(2)}-12-3456`, 'area 9xx'),
      neg('123-00-4567', 'group 00'),
      neg('2024-01-15', 'a date'),
      neg('123-45-67890', 'too long'),
      neg('R02-M1-N0-C:J12-U11', 'BGL location'),
    ]),
  phone: (g) =>
    g.pick([
      neg(`id ${g.int(2, 9)}${g.digits(9)}`, 'bare 10 digits'),
      neg(`1117838570 2005.06.03`, 'epoch seconds'),
      neg(`${g.int(200, 999)}-${g.digits(4)}`, '7 digits'),
      neg('tz +0800', 'timezone offset'),
      neg(`${ipv4(g)}`, 'an IPv4'),
      neg('123-456-7890', 'area code starts with 1'),
      neg('sizes 300 200 1000', 'number list'),
      neg(`2005-06-03-15.42.50.${g.digits(6)}`, 'BGL timestamp'),
    ]),
  ipv6: (g) =>
    g.pick([
      neg('2015-07-29 17:41:44,747 - INFO', 'time'),
      neg('std::vector<int>', 'C++ scope'),
      neg('FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC', '12-octet chip id'),
      neg(`mac ${mac(g)}`, 'a MAC'),
      neg('listen on :: and 0.0.0.0', 'bare ::'),
      neg('Foo::Bar::baz', 'Ruby/Perl scope'),
    ]),
  mac: (g) =>
    g.pick([
      neg('FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC', '12-octet chip id'),
      neg('12:34:56', 'time'),
      neg('05-06-03-15-42-50', 'dashed date-time'),
      neg('aa:bb:cc:dd:ee', 'five octets'),
      neg('aa:bb:cc:dd:ee:ff:00', 'seven octets'),
      neg('2001:0db8:0000:0000:0000:ff00:0042:8329', 'IPv6'),
      neg('1234.5678.9012', 'dotted digits'),
    ]),
  ipv4: (g) =>
    g.pick([
      neg(`version 1.2.${g.int(0, 9)}.${g.int(0, 9)}`, 'version'),
      neg(`v${g.int(1, 9)}.${g.int(0, 9)}.${g.int(0, 9)}.${g.int(0, 9)}`, 'v-version'),
      neg('oid 1.3.6.1.4.1.2021', 'OID'),
      neg('256.10.10.10', 'octet > 255'),
      neg(`2005-06-03-15.42.50.${g.digits(6)}`, 'BGL timestamp'),
      neg('2005.06.03', 'date'),
      neg(`took ${g.int(1, 9)}.${g.digits(3)} s`, 'decimal'),
      neg(
        `"Mozilla/5.0 (X11) Chrome/${g.int(90, 130)}.0.${g.int(1000, 6999)}.${g.int(0, 200)} Safari/537.36"`,
        'user agent',
      ),
    ]),
};

/** Rules covered by the labelled set (every built-in rule). */
export const LABELLED_RULES: readonly string[] = Object.keys(POSITIVES);

/** Builds `perRule` positives and `perRule` negatives for every rule, deterministic for `seed`. */
export function labelledSet(seed = 20261124, perRule = 60): LabelledSample[] {
  const out: LabelledSample[] = [];
  for (const rule of LABELLED_RULES) {
    const g = new Gen(seed ^ hash(rule));
    for (let i = 0; i < perRule; i++) out.push({ rule, ...POSITIVES[rule]!(g) });
    for (let i = 0; i < perRule; i++) out.push({ rule, ...NEGATIVES[rule]!(g) });
  }
  return out;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
