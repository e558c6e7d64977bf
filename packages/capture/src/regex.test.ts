import { describe, expect, it } from '@jest/globals';
import { InvalidRegexError } from './errors.js';
import { compileLabelPattern, MAX_PATTERN_LENGTH, parseMessagePattern } from './regex.js';

describe('parseMessagePattern', () => {
  it('matches literals without a regex engine, case-sensitively by default', () => {
    const m = parseMessagePattern('Error');
    expect(m.literal).toBe('Error');
    expect(m.test('an Error here')).toBe(true);
    expect(m.test('an error here')).toBe(false);
  });

  it('is case-insensitive with ignoreCase or a leading (?i)', () => {
    for (const m of [parseMessagePattern('ERROR', { ignoreCase: true }), parseMessagePattern('(?i)ERROR')]) {
      expect(m.ignoreCase).toBe(true);
      expect(m.literal).toBe('ERROR');
      expect(m.test('an error here')).toBe(true);
    }
    expect(parseMessagePattern('(?i)CAFÉ').test('un café')).toBe(true);
  });

  it('reads fixed patterns literally', () => {
    const m = parseMessagePattern('a.b(c', { fixed: true });
    expect(m.test('xa.b(cx')).toBe(true);
    expect(m.test('axb(c')).toBe(false);
    expect(parseMessagePattern('(?i)x', { fixed: true }).test('(?i)x')).toBe(true);
  });

  it('uses RE2 syntax and semantics', () => {
    const m = parseMessagePattern('status=5\\d\\d\\b');
    expect(m.literal).toBeUndefined();
    expect(m.test('GET / status=503 in 3ms')).toBe(true);
    expect(m.test('GET / status=5030')).toBe(false);
    expect(parseMessagePattern('[[:digit:]]{3}').test('code 404')).toBe(true);
  });

  it('lists non-empty match ranges', () => {
    expect(parseMessagePattern('ab').ranges('xabyabz')).toEqual([
      [1, 3],
      [4, 6],
    ]);
    expect(parseMessagePattern('\\d+').ranges('a12b3')).toEqual([
      [1, 3],
      [4, 5],
    ]);
    expect(parseMessagePattern('x*').ranges('abc')).toEqual([]);
    expect(parseMessagePattern('').test('anything')).toBe(true);
  });

  it('runs a catastrophic-backtracking pattern on a long line in linear time', () => {
    const line = `${'a'.repeat(200_000)}!`;
    for (const p of ['(a+)+$', '(a|aa)+$', '(.*a){20}!x']) {
      const m = parseMessagePattern(p);
      const t0 = performance.now();
      expect(m.test(line)).toBe(false);
      expect(performance.now() - t0).toBeLessThan(3000);
    }
  });

  it('rejects backreferences, lookaround and bad syntax with a typed error naming the pattern', () => {
    for (const [p, why] of [
      ['(a)\\1', /invalid escape/],
      ['foo(?=bar)', /RE2 syntax/],
      ['(?<!x)y', /RE2 syntax/],
      ['(unclosed', /missing/],
    ] as const) {
      let err: unknown;
      try {
        parseMessagePattern(p);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidRegexError);
      expect(err).toMatchObject({ code: 'CAPTURE_INVALID_REGEX', pattern: p, where: undefined });
      expect((err as Error).message).toContain(JSON.stringify(p));
      expect((err as Error).message).toMatch(why);
    }
    expect(() => parseMessagePattern(`(${'a'.repeat(MAX_PATTERN_LENGTH)})`)).toThrow(/longer than 4096/);
  });
});

describe('compileLabelPattern', () => {
  it('is fully anchored, as in Loki, and (?i) makes it case-insensitive', () => {
    const re = compileLabelPattern('web|api');
    expect(re('web')).toBe(true);
    expect(re('webapp')).toBe(false);
    expect(compileLabelPattern('(?i)WEB')('web')).toBe(true);
  });

  it('names the matcher in its error', () => {
    expect(() => compileLabelPattern('(a)\\1', 'app=~"(a)\\\\1"')).toThrow(
      expect.objectContaining({ where: 'app=~"(a)\\\\1"', message: expect.stringContaining(' in app=~') }),
    );
  });
});
