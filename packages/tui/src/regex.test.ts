import { describe, expect, it } from '@jest/globals';
import { RegexInvalidError, RegexTooLongError } from './errors.js';
import { compileUserRegex, MAX_PATTERN_LENGTH, tryCompileUserRegex } from './regex.js';

describe('compileUserRegex', () => {
  it('tests and finds match ranges in UTF-16 units', () => {
    const re = compileUserRegex('b+');
    expect(re.test('abbbc')).toBe(true);
    expect(re.ranges('abbcb')).toEqual([
      [1, 3],
      [4, 5],
    ]);
    expect(compileUserRegex('😀|x').ranges('a😀x')).toEqual([
      [1, 3],
      [3, 4],
    ]);
  });
  it('is case-insensitive unless the pattern has upper case (smart case)', () => {
    expect(compileUserRegex('error').test('ERROR here')).toBe(true);
    expect(compileUserRegex('Error').test('ERROR here')).toBe(false);
    expect(compileUserRegex('\\Sx').test('AX')).toBe(true);
  });
  it('skips empty matches', () => {
    expect(compileUserRegex('a*').ranges('baab')).toEqual([[1, 3]]);
  });
  it('rejects invalid syntax and constructs RE2 cannot run in linear time', () => {
    expect(() => compileUserRegex('(a')).toThrow(RegexInvalidError);
    expect(() => compileUserRegex('(a)\\1')).toThrow(RegexInvalidError);
    expect(() => compileUserRegex('(?=a)b')).toThrow(RegexInvalidError);
    const r = tryCompileUserRegex('[z-a]');
    expect('error' in r && r.error.code).toBe('TUI_REGEX_INVALID');
  });
  it('bounds the pattern length', () => {
    expect(() => compileUserRegex('a'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(RegexTooLongError);
  });
  it('runs catastrophic-backtracking patterns in linear time', () => {
    const re = compileUserRegex('(a+)+$');
    const subject = `${'a'.repeat(30_000)}!`;
    const t0 = performance.now();
    expect(re.test(subject)).toBe(false);
    expect(compileUserRegex('(x+x+)+y').test('x'.repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
