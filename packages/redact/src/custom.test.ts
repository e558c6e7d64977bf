import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { leadingLiteral, loadCustomRules, parseCustomRules } from './custom.js';
import { RulesFileError } from './errors.js';
import { compileRedactor } from './redactor.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redact-custom-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problem(text: string, source = 'rules.yaml'): RulesFileError {
  try {
    parseCustomRules(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(RulesFileError);
    return e as RulesFileError;
  }
  throw new Error('expected the rules to be rejected');
}

describe('parseCustomRules', () => {
  it('reads the original logtap format: a YAML list of {name, pattern, replacement}', () => {
    const set = parseCustomRules(
      `- name: employee_id\n  pattern: 'EMP-\\d{6}'\n  replacement: '[EMP]'\n- name: ticket\n  pattern: (?i)tkt-\\d+\n`,
      'patterns.yaml',
    );
    expect(set.rules).toEqual([
      { name: 'employee_id', pattern: 'EMP-\\d{6}', replacement: '[EMP]' },
      { name: 'ticket', pattern: '(?i)tkt-\\d+' },
    ]);
    expect(set.allow).toEqual([]);
    const r = compileRedactor({ rules: [], custom: set });
    expect(r.redact('EMP-123456 TKT-9').text).toBe('[EMP] [REDACTED:ticket]');
  });

  it('reads an object with rules and an allowlist, in YAML or JSON', () => {
    const yaml = parseCustomRules(
      'rules:\n  - name: acct\n    pattern: "\\\\d{16}"\n    validator: luhn\nallow:\n  - "^4111"\n',
      'p.yml',
    );
    const json = parseCustomRules(
      JSON.stringify({ rules: [{ name: 'acct', pattern: '\\d{16}', validator: 'luhn' }], allow: ['^4111'] }),
      'p.json',
    );
    expect(json).toEqual({ ...yaml, source: 'p.json' });
    const r = compileRedactor({ rules: [], custom: json });
    expect(r.redact('4111111111111111 5555555555554444').text).toBe('4111111111111111 [REDACTED:acct]');
  });

  it('treats an empty file as no rules', () => {
    expect(parseCustomRules('', 'empty.yaml').rules).toEqual([]);
    expect(parseCustomRules('# only a comment\n', 'c.yaml').rules).toEqual([]);
  });

  it('names the file, the rule and the field for schema problems', () => {
    const e = problem(
      '- name: ok_rule\n  pattern: x\n- name: Bad Name\n  pattern: y\n- name: third\n',
      'team.yaml',
    );
    expect(e.code).toBe('REDACT_RULES_FILE_INVALID');
    expect(e.file).toBe('team.yaml');
    expect(e.message).toContain('team.yaml');
    expect(e.message).toContain('rule #2 "Bad Name": name: must be 1-64 lower-case letters');
    expect(e.message).toContain('rule #3 "third": pattern:');
    expect(e.problems).toHaveLength(2);
  });

  it('points out unknown fields, with a hint for "regex"', () => {
    const e = problem('- name: a\n  regex: x\n');
    expect(e.message).toContain('rule #1 "a"');
    expect(e.message).toContain('unknown field regex (did you mean "pattern"?)');
  });

  it('rejects unknown validators and flags', () => {
    expect(problem('- name: a\n  pattern: x\n  validator: crc\n').message).toContain('validator');
    expect(problem('- name: a\n  pattern: x\n  flags: g\n').message).toContain('flags');
  });

  it('reports patterns that do not compile as RE2, naming the rule', () => {
    const e = problem('- name: broken\n  pattern: "(abc"\n');
    expect(e.message).toContain('rule #1 "broken": does not compile as RE2: missing closing )');
    expect(e.rule).toBe('rule #1 "broken"');
  });

  it('explains that backreferences and lookaheads are not available', () => {
    expect(problem('- name: backref\n  pattern: "(a)\\\\1"\n').message).toContain(
      'no backreferences or lookahead',
    );
    expect(problem('- name: look\n  pattern: "a(?=b)"\n').message).toContain(
      'no backreferences or lookahead',
    );
  });

  it('rejects duplicate names and missing groups', () => {
    expect(problem('- name: a\n  pattern: x\n- name: a\n  pattern: y\n').message).toContain(
      'duplicate rule name',
    );
    expect(problem('- name: a\n  pattern: x\n  group: 2\n').message).toContain('group 2 does not exist');
    expect(problem('- name: a\n  pattern: x\n  group: id\n').message).toContain('group "id" does not exist');
  });

  it('reports YAML and JSON syntax errors with the file name', () => {
    const y = problem('- name: a\n  pattern: [unclosed\n', 'syntax.yaml');
    expect(y.code).toBe('REDACT_RULES_FILE_SYNTAX');
    expect(y.message).toMatch(/^syntax\.yaml: not valid YAML at line \d+/);
    const j = problem('{"rules": [', 'syntax.json');
    expect(j.code).toBe('REDACT_RULES_FILE_SYNTAX');
    expect(j.message).toContain('syntax.json: not valid JSON');
  });

  it('rejects a file of the wrong shape', () => {
    expect(problem('just a string').message).toContain('rules.yaml');
    expect(problem('rules: 3').message).toContain('rules');
  });

  it('rejects allow patterns that do not compile', () => {
    expect(problem('rules: []\nallow: ["(x"]\n').message).toContain('allow #1');
  });
});

describe('loadCustomRules', () => {
  it('loads a file', async () => {
    const path = join(dir, 'ok.yaml');
    await writeFile(path, '- name: a\n  pattern: secret-\\d+\n');
    const set = await loadCustomRules(path);
    expect(set.source).toBe(path);
    expect(set.rules[0]!.name).toBe('a');
  });

  it('says when the file is missing', async () => {
    const path = join(dir, 'missing.yaml');
    await expect(loadCustomRules(path)).rejects.toMatchObject({
      code: 'REDACT_RULES_FILE_UNREADABLE',
      file: path,
      message: `${path}: cannot read rules file: file not found`,
    });
  });
});

describe('leadingLiteral (automatic prefilter)', () => {
  it('finds the literal every match starts with', () => {
    expect(leadingLiteral('EMP-\\d{6}')).toBe('EMP-');
    expect(leadingLiteral('abcd?e')).toBe('abc');
    expect(leadingLiteral('ab\\d')).toBeUndefined();
    expect(leadingLiteral('abc|xyz')).toBeUndefined();
    expect(leadingLiteral('abc(x|y)')).toBe('abc');
    expect(leadingLiteral('abc[|]')).toBe('abc');
    expect(leadingLiteral('(?i)abc')).toBeUndefined();
  });
});

describe('patterns can never hang the process', () => {
  // Classic catastrophic-backtracking patterns. On a backtracking engine each of these takes
  // exponential time on the inputs below (V8 needs seconds for ~30 characters of the first one);
  // custom rules run on RE2 semantics in linear time, so a megabyte takes milliseconds.
  const evil: [string, string][] = [
    ['(a+)+$', `${'a'.repeat(1 << 20)}!`],
    ['(a|aa)*b', 'a'.repeat(1 << 20)],
    ['(a|a)*$', `${'a'.repeat(1 << 20)}!`],
    ['(.*a){20}', 'a'.repeat(1 << 16)],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', `${'a'.repeat(1 << 18)}!`],
    ['(\\w+\\s?)*$', `${'word '.repeat(1 << 16)}!`],
    ['\\s*\\s*\\s*x', ' '.repeat(1 << 20)],
  ];

  it.each(evil)('%s: linear time on a long adversarial input', (pattern, input) => {
    const r = compileRedactor({ rules: [], custom: [{ name: 'evil', pattern }] });
    const t0 = performance.now();
    r.redact(input);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(((input.length / (1 << 20)) * 1000 + 200) * 3);
  });

  it('scales linearly: four times the input takes about four times the time, not sixteen', () => {
    const r = compileRedactor({ rules: [], custom: [{ name: 'evil', pattern: '(a+)+$' }] });
    const time = (n: number) => {
      const input = `${'a'.repeat(n)}!`;
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        r.redact(input);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    time(1 << 16); // warm up
    const ratio = time(1 << 19) / time(1 << 17);
    expect(ratio).toBeLessThan(8); // linear ~4; quadratic would be ~16, exponential never finishes
  });

  it('keeps the event loop responsive while redacting adversarial lines', async () => {
    const r = compileRedactor({ rules: [], custom: [{ name: 'evil', pattern: '(a+)+$' }] });
    const line = `${'a'.repeat(64 * 1024)}!`;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    let worst = 0;
    // A receiver redacts line by line and yields between requests; so does this loop.
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      r.redact(line);
      worst = Math.max(worst, performance.now() - s);
      await new Promise((done) => setImmediate(done));
    }
    clearInterval(timer);
    const elapsed = performance.now() - t0;
    expect(worst).toBeLessThan(250);
    expect(ticks).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('rejects patterns whose compiled program would be too large instead of building it', () => {
    expect(() =>
      compileRedactor({ rules: [], custom: [{ name: 'huge', pattern: '((a{100}){100}){100}' }] }),
    ).toThrow(/rule "huge"/);
  });
});
