import { describe, expect, it } from '@jest/globals';
import { PatternError, RedactConfigError, UnknownRuleError } from './errors.js';
import { compileRedactor } from './redactor.js';
import { RULE_GROUPS } from './rules/index.js';
import { parseRuleList, resolveRules } from './select.js';

const KEY = 'k'.repeat(32);

describe('redact', () => {
  it('returns the text unchanged (same string, no hits) when nothing matches', () => {
    const r = compileRedactor();
    const line = 'INFO nothing to see here';
    const out = r.redact(line);
    expect(out.text).toBe(line);
    expect(out.hits).toBe(0);
    expect(out.byRule).toEqual({});
  });

  it('replaces every match and reports hits per rule', () => {
    const r = compileRedactor();
    const out = r.redact('a@example.com b@example.org from 10.0.0.1 card 4111 1111 1111 1111');
    expect(out.text).toBe(
      '[REDACTED:email] [REDACTED:email] from [REDACTED:ipv4] card [REDACTED:credit_card]',
    );
    expect(out.hits).toBe(4);
    expect({ ...out.byRule }).toEqual({ email: 2, ipv4: 1, credit_card: 1 });
  });

  it('merges overlapping matches into one replacement labelled by the more specific rule', () => {
    const r = compileRedactor();
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(r.redact(`token=${jwt} next`).text).toBe('token=[REDACTED:jwt] next');
    // url_credentials and email overlap on "pass@db.example.com": the union goes, labelled by priority.
    const out = r.redact('mysql://user:pass@db.example.com/app');
    expect(out.text).toBe('mysql://[REDACTED:url_credentials]/app');
    expect(out.hits).toBe(1);
  });

  it('labels an Authorization: Basic credential basic_auth when it decodes to user:password', () => {
    const r = compileRedactor();
    expect(r.redact('Authorization: Basic dXNlcjpwYXNz').text).toBe(
      'Authorization: Basic [REDACTED:basic_auth]',
    );
    expect(r.redact('Authorization: Basic YXBpa2V5LW5vLWNvbG9u').text).toBe(
      'Authorization: Basic [REDACTED:bearer]',
    );
  });

  it('is idempotent: redacted output has nothing left to redact', () => {
    const r = compileRedactor();
    const once = r.redact(
      'password=hunter2 Authorization: Bearer abc123def456 a@b.io 4111111111111111 -----BEGIN PRIVATE KEY-----x',
    );
    expect(once.hits).toBeGreaterThan(0);
    const twice = r.redact(once.text);
    expect(twice.hits).toBe(0);
    expect(twice.text).toBe(once.text);
  });

  it('keeps multi-byte text intact around replacements', () => {
    const r = compileRedactor({ rules: ['email'] });
    expect(r.redact('Grüße 😀 an jörg@bücher.example 😀').text).toBe('Grüße 😀 an [REDACTED:email] 😀');
    expect(r.redact('😀 bob@example.de 😀').text).toBe('😀 [REDACTED:email] 😀');
  });
});

describe('counters', () => {
  it('count replacements per active rule, zeros included, across calls', () => {
    const r = compileRedactor({ rules: ['email', 'ipv4'] });
    expect(r.counters()).toEqual({ email: 0, ipv4: 0 });
    r.redact('a@b.io c@d.io');
    r.redact('10.0.0.1');
    r.scan('e@f.io'); // scanning does not count
    expect(r.counters()).toEqual({ email: 2, ipv4: 1 });
  });
});

describe('scan', () => {
  it('reports rule and offsets, never the value', () => {
    const r = compileRedactor();
    const text = 'x a@b.io y 10.1.2.3';
    const found = r.scan(text);
    expect(found).toEqual([
      { rule: 'email', start: 2, end: 8 },
      { rule: 'ipv4', start: 11, end: 19 },
    ]);
    expect(JSON.stringify(found)).not.toContain('a@b.io');
  });
});

describe('rule selection', () => {
  it('accepts names, groups and exclusions, in priority order', () => {
    expect(resolveRules(['ipv4', 'email'])).toEqual(['email', 'ipv4']);
    expect(resolveRules(['network'])).toEqual(['ipv6', 'mac', 'ipv4']);
    expect(resolveRules(['all', '-network'])).toEqual([...RULE_GROUPS.secrets, ...RULE_GROUPS.pii]);
    expect(resolveRules(['-ipv4', '-ipv6'])).not.toContain('ipv4');
    expect(resolveRules(['-ipv4']).length).toBe(RULE_GROUPS.all.length - 1);
    expect(resolveRules(undefined)).toEqual([...RULE_GROUPS.all]);
    expect(resolveRules([])).toEqual([]);
  });

  it('parses flag values: true, all, empty, comma lists', () => {
    expect(parseRuleList('true')).toEqual([...RULE_GROUPS.all]);
    expect(parseRuleList('')).toEqual([...RULE_GROUPS.all]);
    expect(parseRuleList('email, jwt')).toEqual(['jwt', 'email']);
    expect(parseRuleList('PII')).toEqual([...RULE_GROUPS.pii]);
  });

  it('names unknown rules and suggests the closest', () => {
    expect(() => parseRuleList('email,emial')).toThrow(UnknownRuleError);
    try {
      parseRuleList('emial');
    } catch (e) {
      expect((e as UnknownRuleError).code).toBe('REDACT_UNKNOWN_RULE');
      expect((e as UnknownRuleError).rule).toBe('emial');
      expect((e as Error).message).toContain('did you mean "email"?');
    }
  });

  it('rejects a selection that leaves nothing', () => {
    expect(() => compileRedactor({ rules: ['email', '-email'] })).toThrow(RedactConfigError);
    expect(() => compileRedactor({ rules: [] })).toThrow(/no redaction rules selected/);
  });

  it('runs only the selected rules', () => {
    const r = compileRedactor({ rules: ['email'] });
    expect(r.rules).toEqual(['email']);
    expect(r.redact('a@b.io 10.0.0.1').text).toBe('[REDACTED:email] 10.0.0.1');
  });
});

describe('keyed hashing', () => {
  it('gives equal values equal tags and different values different tags', () => {
    const r = compileRedactor({ rules: ['email', 'ipv4'], hashKey: KEY });
    const out = r.redact('a@b.io a@b.io c@d.io 10.0.0.1').text;
    const tags = [...out.matchAll(/\[REDACTED:(\w+):([0-9a-f]+)\]/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(tags).toHaveLength(4);
    expect(tags[0]).toBe(tags[1]);
    expect(tags[0]).not.toBe(tags[2]);
    expect(tags[0]!.split(':')[1]).toHaveLength(8);
    // Stable across redactor instances with the same key (correlation across a whole capture).
    expect(compileRedactor({ rules: ['email'], hashKey: KEY }).redact('a@b.io').text).toBe(
      `[REDACTED:email:${tags[0]!.split(':')[1]}]`,
    );
  });

  it('depends on the key and the rule, and honours hashLength', () => {
    const a = compileRedactor({ rules: ['email'], hashKey: KEY }).redact('a@b.io').text;
    const b = compileRedactor({ rules: ['email'], hashKey: 'z'.repeat(32) }).redact('a@b.io').text;
    expect(a).not.toBe(b);
    const long = compileRedactor({ rules: ['email'], hashKey: new Uint8Array(32), hashLength: 16 });
    expect(long.redact('a@b.io').text).toMatch(/^\[REDACTED:email:[0-9a-f]{16}\]$/);
  });

  it('matches HMAC-SHA256(key, rule NUL value)', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', KEY).update('email\0a@b.io').digest('hex').slice(0, 8);
    expect(compileRedactor({ rules: ['email'], hashKey: KEY }).redact('a@b.io').text).toBe(
      `[REDACTED:email:${expected}]`,
    );
  });

  it('rejects weak keys and bad lengths', () => {
    expect(() => compileRedactor({ hashKey: 'short' })).toThrow(/at least 16 random bytes/);
    expect(() => compileRedactor({ hashKey: KEY, hashLength: 2 })).toThrow(/4\.\.64/);
  });
});

describe('redactLabels', () => {
  it('redacts values, keeps keys, returns the same object when nothing changed', () => {
    const r = compileRedactor();
    const clean = { app: 'api', pod: 'api-7d9f' };
    expect(r.redactLabels(clean)).toBe(clean);
    const out = r.redactLabels({ app: 'api', owner: 'jane@example.com', db_password: 'hunter2', token: '' });
    expect({ ...out }).toEqual({
      app: 'api',
      owner: '[REDACTED:email]',
      db_password: '[REDACTED:secret_kv]',
      token: '',
    });
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(r.counters().secret_kv).toBe(1);
  });

  it('redacts a value whole when the key names a secret', () => {
    const r = compileRedactor();
    expect(r.redactLabels({ apiKey: 'plainword' }).apiKey).toBe('[REDACTED:secret_kv]');
    expect(r.redactLabels({ bypass: 'plainword' }).bypass).toBe('plainword');
    expect(r.redactLabels({ password: '***' }).password).toBe('***');
  });

  it('can be turned off', () => {
    const r = compileRedactor({ labels: false });
    const labels = { owner: 'jane@example.com' };
    expect(r.labelsEnabled).toBe(false);
    expect(r.redactLabels(labels)).toBe(labels);
  });
});

describe('allowlist', () => {
  it('keeps matches whose text matches an allow pattern', () => {
    const r = compileRedactor({ rules: ['email', 'ipv4'], allow: ['@example\\.com$', '^10\\.'] });
    expect(r.redact('a@example.com b@corp.io 10.0.0.1 192.168.1.1').text).toBe(
      'a@example.com [REDACTED:email] 10.0.0.1 [REDACTED:ipv4]',
    );
  });

  it('rejects allow patterns that do not compile', () => {
    expect(() => compileRedactor({ allow: ['(unclosed'] })).toThrow(PatternError);
  });
});

describe('custom rules', () => {
  it('run before built-ins and win overlaps', () => {
    const r = compileRedactor({
      rules: ['email'],
      custom: [{ name: 'staff_email', pattern: '[a-z]+@corp\\.example' }],
    });
    expect(r.rules).toEqual(['staff_email', 'email']);
    expect(r.redact('jane@corp.example bob@other.io').text).toBe('[REDACTED:staff_email] [REDACTED:email]');
  });

  it('replace only the chosen group, with a fixed replacement when given', () => {
    const r = compileRedactor({
      rules: [],
      custom: [
        { name: 'pin', pattern: 'pin=(\\d{4})', group: 1 },
        { name: 'emp', pattern: 'EMP-(?P<id>\\d{6})', group: 'id', replacement: '######' },
      ],
    });
    expect(r.redact('pin=1234 EMP-123456').text).toBe('pin=[REDACTED:pin] EMP-######');
  });

  it('apply validators', () => {
    const r = compileRedactor({
      rules: [],
      custom: [
        { name: 'acct', pattern: '\\b\\d{16}\\b', validator: 'luhn' },
        { name: 'bank', pattern: '\\b[A-Z]{2}\\d{2}[A-Z0-9]{11,30}\\b', validator: 'iban' },
      ],
    });
    expect(r.redact('4111111111111111 4111111111111112').text).toBe('[REDACTED:acct] 4111111111111112');
    expect(r.redact('DE89370400440532013000 DE88370400440532013000').text).toBe(
      '[REDACTED:bank] DE88370400440532013000',
    );
  });

  it('honour flags and keyword prefilters', () => {
    const r = compileRedactor({
      rules: [],
      custom: [{ name: 'ticket', pattern: 'ticket-\\d+', flags: 'i', keywords: ['ticket'] }],
    });
    expect(r.redact('see TICKET-42 and ticket-7').text).toBe('see [REDACTED:ticket] and [REDACTED:ticket]');
    expect(r.redact('no match here').hits).toBe(0);
  });

  it('reject names of built-ins, duplicates and bad patterns with the rule named', () => {
    expect(() => compileRedactor({ custom: [{ name: 'email', pattern: 'x' }] })).toThrow(/built-in rule/);
    expect(() =>
      compileRedactor({
        custom: [
          { name: 'a', pattern: 'x' },
          { name: 'a', pattern: 'y' },
        ],
      }),
    ).toThrow(/defined twice/);
    expect(() => compileRedactor({ custom: [{ name: 'bad', pattern: '(x' }] })).toThrow(PatternError);
    expect(() => compileRedactor({ custom: [{ name: 'bad', pattern: '(x' }] })).toThrow(/rule "bad"/);
  });
});

describe('policy', () => {
  it('is stable for equal options and changes with rules, custom rules, hashing and labels', () => {
    const base = compileRedactor({ rules: ['email'] }).policyHash;
    expect(compileRedactor({ rules: ['email'] }).policyHash).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      compileRedactor({ rules: ['email', 'ipv4'] }),
      compileRedactor({ rules: ['email'], custom: [{ name: 'x', pattern: 'x' }] }),
      compileRedactor({ rules: ['email'], hashKey: KEY }),
      compileRedactor({ rules: ['email'], labels: false }),
      compileRedactor({ rules: ['email'], allow: ['x'] }),
    ].map((r) => r.policyHash);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('does not depend on the hash key itself', () => {
    expect(compileRedactor({ hashKey: KEY }).policyHash).toBe(
      compileRedactor({ hashKey: 'y'.repeat(32) }).policyHash,
    );
  });

  it('describes itself without secrets', () => {
    const r = compileRedactor({ rules: ['jwt'], hashKey: KEY, custom: [{ name: 'x', pattern: 'x+' }] });
    expect(r.policy).toEqual({
      version: 1,
      rules: ['x', 'jwt'],
      custom: [
        { name: 'x', pattern: 'x+', flags: '', group: 0, validator: null, replacement: null, keywords: [] },
      ],
      allow: [],
      hashed: true,
      hashLength: 8,
      labels: true,
    });
    expect(JSON.stringify(r.policy)).not.toContain(KEY);
  });
});
