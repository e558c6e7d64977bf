/**
 * User regexes of every logtap capture tool (message patterns, label `=~`/`!~` values) run on RE2
 * (re2js, a pure-JS port: no native build): matching is linear in the subject, so a pattern like
 * `(a+)+$` cannot hang a scan of a 10 GB capture, and backreferences and lookaround (which need
 * backtracking) are rejected when the pattern is compiled, with an {@link InvalidRegexError}.
 */

import { RE2JS } from 're2js';
import { InvalidRegexError } from './errors.js';

/** Longest pattern accepted (RE2 programs grow with the pattern; this keeps compile time trivial). */
export const MAX_PATTERN_LENGTH = 4096;

/** A compiled message pattern (RE2 semantics, unanchored). */
export interface MessagePattern {
  /** The pattern as given. */
  readonly source: string;
  /** Whether it matches case-insensitively (an option or a leading `(?i)`). */
  readonly ignoreCase: boolean;
  /**
   * The text searched for when the pattern is a plain literal (no regex metacharacters, or `fixed`),
   * with the leading `(?i)` removed; undefined for a regex.
   */
  readonly literal: string | undefined;
  /** Whether `msg` contains a match. */
  test(msg: string): boolean;
  /** Non-empty match ranges `[start, end)` in `msg` (UTF-16 units), in order, at most `limit` (for highlighting). */
  ranges(msg: string, limit?: number): Array<[number, number]>;
}

export interface MessagePatternOptions {
  /** Match case-insensitively (also enabled by a leading `(?i)` in the pattern). */
  ignoreCase?: boolean | undefined;
  /** Treat the pattern as a literal string, not a regex. */
  fixed?: boolean | undefined;
}

const META = /[\\^$.|?*+()[\]{}]/;
const ASCII = /^[\x00-\x7f]*$/;

function compileRe2(pattern: string, flags: number, where: string | undefined): RE2JS {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new InvalidRegexError(
      `${pattern.slice(0, 40)}…`,
      `longer than ${MAX_PATTERN_LENGTH} characters`,
      where,
    );
  }
  try {
    return RE2JS.compile(pattern, flags);
  } catch (err) {
    throw new InvalidRegexError(pattern, err instanceof Error ? err.message : String(err), where, {
      cause: err,
    });
  }
}

/**
 * Compiles a message pattern: RE2 syntax, unanchored; a leading `(?i)` or `ignoreCase` makes it
 * case-insensitive, `fixed` reads it literally. A pattern without metacharacters is searched with
 * `String#includes` (no regex engine). Throws {@link InvalidRegexError}.
 */
export function parseMessagePattern(pattern: string, opts: MessagePatternOptions = {}): MessagePattern {
  let source = pattern;
  let ignoreCase = opts.ignoreCase === true;
  if (!opts.fixed && source.startsWith('(?i)')) {
    ignoreCase = true;
    source = source.slice(4);
  }
  const literal = opts.fixed ? source : META.test(source) ? undefined : source;
  if (literal === '') {
    return { source: pattern, ignoreCase, literal, test: () => true, ranges: () => [] };
  }
  if (literal !== undefined && (!ignoreCase || ASCII.test(literal))) {
    // A literal needs no regex engine: indexOf is exact (ASCII case folding is exact too).
    const needle = ignoreCase ? literal.toLowerCase() : literal;
    const test = ignoreCase
      ? (msg: string) => msg.toLowerCase().includes(needle)
      : (msg: string) => msg.includes(needle);
    const ranges = (msg: string, limit = 64): Array<[number, number]> => {
      const hay = ignoreCase ? msg.toLowerCase() : msg;
      const out: Array<[number, number]> = [];
      for (
        let i = hay.indexOf(needle);
        i >= 0 && out.length < limit;
        i = hay.indexOf(needle, i + needle.length)
      ) {
        out.push([i, i + needle.length]);
      }
      return out;
    };
    return { source: pattern, ignoreCase, literal, test, ranges };
  }
  const re = compileRe2(
    literal !== undefined ? RE2JS.quote(literal) : source,
    ignoreCase ? RE2JS.CASE_INSENSITIVE : 0,
    undefined,
  );
  const ranges = (msg: string, limit = 64): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    const m = re.matcher(msg);
    while (out.length < limit && m.find()) if (m.end() > m.start()) out.push([m.start(), m.end()]);
    return out;
  };
  return { source: pattern, ignoreCase, literal, test: (msg) => re.test(msg), ranges };
}

/**
 * Compiles a label value regex, fully anchored as in Loki (`app=~"web|api"` matches `web`, not
 * `webapp`); a leading `(?i)` makes it case-insensitive. `where` names the matcher in the error.
 * Throws {@link InvalidRegexError}.
 */
export function compileLabelPattern(pattern: string, where?: string): (value: string) => boolean {
  let source = pattern;
  let flags = 0;
  if (source.startsWith('(?i)')) {
    flags = RE2JS.CASE_INSENSITIVE;
    source = source.slice(4);
  }
  const re = compileRe2(source, flags, where);
  return (v) => re.matches(v);
}
