import { RE2JS } from 're2js';
import { RegexInvalidError, RegexTooLongError } from './errors.js';

/** Longest pattern the UI accepts. */
export const MAX_PATTERN_LENGTH = 512;
/** Only the first this many characters of a line are searched, so one huge line costs a bounded time. */
export const MAX_SUBJECT_LENGTH = 64 * 1024;

/** A compiled user regex: RE2 semantics, so matching is linear in the input and cannot hang the UI. */
export interface UserRegex {
  readonly source: string;
  test(text: string): boolean;
  /** Match ranges [start, end) in UTF-16 code units, non-overlapping, in order; empty matches skipped. */
  ranges(text: string, limit?: number): Array<[number, number]>;
}

/**
 * Compiles a regex typed by the user with RE2 (re2js, a pure-JS port: no native build, linear time).
 * Smart case as in less/vim: a pattern without upper-case letters matches case-insensitively.
 * Throws RegexTooLongError or RegexInvalidError.
 */
export function compileUserRegex(source: string): UserRegex {
  if (source.length > MAX_PATTERN_LENGTH) throw new RegexTooLongError(source.length, MAX_PATTERN_LENGTH);
  const smartCase = !/\p{Lu}/u.test(source.replace(/\\./g, ''));
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, smartCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new RegexInvalidError(source, reason, { cause: err });
  }
  const bound = (t: string): string => (t.length > MAX_SUBJECT_LENGTH ? t.slice(0, MAX_SUBJECT_LENGTH) : t);
  return {
    source,
    test: (text) => re.test(bound(text)),
    ranges(text, limit = 256) {
      const out: Array<[number, number]> = [];
      const m = re.matcher(bound(text));
      while (out.length < limit && m.find()) {
        const s = m.start();
        const e = m.end();
        if (e > s) out.push([s, e]);
      }
      return out;
    },
  };
}

/** Compiles, returning the error instead of throwing (the status bar shows its message). */
export function tryCompileUserRegex(
  source: string,
): { re: UserRegex } | { error: RegexInvalidError | RegexTooLongError } {
  try {
    return { re: compileUserRegex(source) };
  } catch (err) {
    if (err instanceof RegexInvalidError || err instanceof RegexTooLongError) return { error: err };
    throw err;
  }
}
