import { describe, expect, it } from '@jest/globals';
import { InvalidRegexError } from '@logtap/capture';
import { compileMessageMatcher, requiredLiterals } from './regex.js';

describe('requiredLiterals', () => {
  it.each([
    ['timeout', ['timeout']],
    ['error|timeout', ['error', 'timeout']],
    ['conn(ection)? reset', [' reset']],
    ['status=5\\d\\d', ['status=5']],
    ['colou?r', ['colo']],
    ['ab*c', ['a']],
    ['x+yz', ['yz']],
    ['a{0,3}bcd', ['bcd']],
    ['[Ee]rror code', ['rror code']],
    ['\\.jsonl\\.zst$', ['.jsonl.zst']],
    ['^GET /api', ['GET /api']],
    ['(a|b)', undefined],
    ['\\d+', undefined],
    ['foo|\\d+', undefined],
    ['(?s)a.b', undefined],
    ['\\p{Greek}+ alpha', [' alpha']],
  ] as Array<[string, string[] | undefined]>)('%s -> %j', (pattern, want) => {
    expect(requiredLiterals(pattern)).toEqual(want);
  });
});

describe('compileMessageMatcher', () => {
  it('matches literals without a regex engine, case-sensitively by default', () => {
    const m = compileMessageMatcher('Error');
    expect(m.test('an Error here')).toBe(true);
    expect(m.test('an error here')).toBe(false);
    expect(m.literals).toEqual(['Error']);
  });

  it('is case-insensitive with -i or a leading (?i), and lower-cases the literals', () => {
    for (const m of [
      compileMessageMatcher('ERROR', { ignoreCase: true }),
      compileMessageMatcher('(?i)ERROR'),
    ]) {
      expect(m.test('an error here')).toBe(true);
      expect(m.ignoreCase).toBe(true);
      expect(m.literals).toEqual(['error']);
    }
  });

  it('prefilters case-insensitively only on what lower-cased raw bytes show (RE2 folds k and s further)', () => {
    const m = compileMessageMatcher('(?i)DISK success');
    expect(m.literals).toEqual(['ucce']);
    expect(m.test('di\u017fk \u017fucce\u017f\u017f')).toBe(true);
    expect(compileMessageMatcher('(?i)caf\u00e9 OK').literals).toEqual(['caf']);
    expect(compileMessageMatcher('(?i)sk').literals).toBeUndefined();
  });

  it('reads -F patterns literally', () => {
    const m = compileMessageMatcher('a.b(c', { fixed: true });
    expect(m.test('xa.b(cx')).toBe(true);
    expect(m.test('axb(c')).toBe(false);
  });

  it('uses RE2 syntax and semantics', () => {
    const m = compileMessageMatcher('status=5\\d\\d\\b');
    expect(m.test('GET / status=503 in 3ms')).toBe(true);
    expect(m.test('GET / status=5030')).toBe(false);
    expect(compileMessageMatcher('[[:digit:]]{3}').test('code 404')).toBe(true);
  });

  it('keeps no raw-text literal that a JSON encoder may escape', () => {
    expect(compileMessageMatcher('say "hi"').literals).toBeUndefined();
    expect(compileMessageMatcher('<div>').literals).toBeUndefined();
    expect(compileMessageMatcher('café').literals).toBeUndefined();
    expect(compileMessageMatcher('café').test('un café')).toBe(true);
    expect(compileMessageMatcher('(?i)CAFÉ').literals).toEqual(['caf']); // the ASCII run before É
    expect(compileMessageMatcher('(?i)CAFÉ').test('un café')).toBe(true);
  });

  it('takes literals of a -F pattern whole, and of an empty pattern none', () => {
    expect(compileMessageMatcher('a.b(c', { fixed: true }).literals).toEqual(['a.b(c']);
    expect(compileMessageMatcher('(?i)Warn|Err').literals).toEqual(['warn', 'err']);
    expect(compileMessageMatcher('').literals).toBeUndefined();
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const m = compileMessageMatcher('(a+)+$');
    const subject = `${'a'.repeat(50_000)}b`;
    const t0 = performance.now();
    expect(m.test(subject)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('rejects what RE2 cannot run in linear time, with a typed error', () => {
    expect(() => compileMessageMatcher('(a)\\1')).toThrow(InvalidRegexError);
    expect(() => compileMessageMatcher('foo(?=bar)')).toThrow(/RE2 syntax/);
    expect(() => compileMessageMatcher('(unclosed')).toThrow(InvalidRegexError);
  });
});

describe('ranges', () => {
  it('lists non-empty match ranges for literals and regexes', () => {
    expect(compileMessageMatcher('ab').ranges('xabyabz')).toEqual([
      [1, 3],
      [4, 6],
    ]);
    expect(compileMessageMatcher('AB', { ignoreCase: true }).ranges('xaby')).toEqual([[1, 3]]);
    expect(compileMessageMatcher('\\d+').ranges('a12b3')).toEqual([
      [1, 3],
      [4, 5],
    ]);
    expect(compileMessageMatcher('x*').ranges('abc')).toEqual([]);
  });
});
