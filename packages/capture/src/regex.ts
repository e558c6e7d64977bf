/**
 * User regexes of every logtap capture tool (message patterns, label `=~`/`!~` values) have RE2's syntax
 * and semantics, and are checked by re2js (a pure-JS port of RE2): backreferences and lookaround (which
 * need backtracking) are rejected when the pattern is compiled, with an {@link InvalidRegexError}.
 *
 * Matching must stay linear in the subject, so that a pattern like `(a+)+$` cannot hang a scan of a 10 GB
 * capture. re2js guarantees that but runs at ~100 MB/s; V8's compiled engine runs at 500-1000 MB/s but
 * backtracks. So a message pattern is translated (regex-translate.ts) into a V8 RegExp with the same
 * meaning, used only when V8 can bound it: with `--enable-experimental-regexp-engine-on-excessive-
 * backtracks` (set here through v8.setFlagsFromString, before the RegExp is compiled), a RegExp that
 * V8's linear-time engine can run (it compiles with the `l` flag) switches to that engine for the rest of
 * an exec after 50,000 backtracks (`--regexp-backtracks-before-fallback`), so each test is linear in the
 * subject. Anything else (a pattern without an exact translation, a RegExp the linear engine cannot run,
 * a V8 without these flags) keeps re2js.
 */

import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import type { RE2JS } from 're2js';
import { InvalidRegexError } from './errors.js';
import { translateRe2 } from './regex-translate.js';

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
  /**
   * What tests a message: `literal` (String#includes), `v8` (a translated RegExp bounded by V8's
   * linear-time engine) or `re2js`.
   */
  readonly engine: 'literal' | 'v8' | 're2js';
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

let re2js: typeof RE2JS | undefined;

/**
 * re2js, loaded on first use: its 260 KB cost ~8 ms of start-up, which commands that compile no regex
 * (`logtap inspect`) do not pay. require() because an ESM import cannot be synchronous.
 */
function re2(): typeof RE2JS {
  re2js ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
  return re2js;
}

const META = /[\\^$.|?*+()[\]{}]/;
const SURROGATE = /[\ud800-\udfff]/;

/** V8's flag for its linear-time engine (a variable: the literal `/a/l` would not parse without it). */
const LINEAR = 'l';
let linearFallback: boolean | undefined;

/**
 * Turns on V8's fallback from backtracking to its linear-time engine (a process-wide setting, harmless to
 * other RegExps: it changes only how long a pathological match may take) and tells whether it is in
 * effect: a RegExp with the `l` flag compiles only when it is.
 */
function v8LinearFallback(): boolean {
  if (linearFallback === undefined) {
    try {
      setFlagsFromString('--enable-experimental-regexp-engine');
      setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
      new RegExp('a', LINEAR);
      linearFallback = true;
    } catch {
      linearFallback = false; // a V8 without the linear engine (or frozen flags): re2js only
    }
  }
  return linearFallback;
}

/** A V8 test with the meaning of the RE2 pattern `source` (see the module comment), or undefined. */
function compileV8(source: string, ignoreCase: boolean, re2: RE2JS): ((msg: string) => boolean) | undefined {
  if (!v8LinearFallback()) return undefined;
  const t = translateRe2(source, ignoreCase);
  if (t === undefined) return undefined;
  let re: RegExp;
  try {
    // Throws "cannot be executed in linear time" when the linear engine cannot bound it.
    new RegExp(t.source, LINEAR);
    re = new RegExp(t.source);
  } catch {
    return undefined;
  }
  if (!t.surrogateSensitive) return (msg) => re.test(msg);
  // Exact only without surrogates (astral characters); SURROGATE costs nothing on one-byte strings.
  return (msg) => (SURROGATE.test(msg) ? re2.test(msg) : re.test(msg));
}

function compileRe2(pattern: string, flags: number, where: string | undefined): RE2JS {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new InvalidRegexError(
      `${pattern.slice(0, 40)}…`,
      `longer than ${MAX_PATTERN_LENGTH} characters`,
      where,
    );
  }
  try {
    return re2().compile(pattern, flags);
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
    return { source: pattern, ignoreCase, literal, engine: 'literal', test: () => true, ranges: () => [] };
  }
  if (literal !== undefined && !ignoreCase) {
    // A literal needs no regex engine: indexOf is exact. (Not so case-insensitively: toLowerCase is
    // not RE2's folding, e.g. `(?i)s` matches U+017F and `(?i)i` does not match U+0130.)
    const test = (msg: string) => msg.includes(literal);
    const ranges = (msg: string, limit = 64): Array<[number, number]> => {
      const out: Array<[number, number]> = [];
      for (
        let i = msg.indexOf(literal);
        i >= 0 && out.length < limit;
        i = msg.indexOf(literal, i + literal.length)
      ) {
        out.push([i, i + literal.length]);
      }
      return out;
    };
    return { source: pattern, ignoreCase, literal, engine: 'literal', test, ranges };
  }
  const re2Source = literal !== undefined ? re2().quote(literal) : source;
  const re = compileRe2(re2Source, ignoreCase ? re2().CASE_INSENSITIVE : 0, undefined);
  const ranges = (msg: string, limit = 64): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    const m = re.matcher(msg);
    while (out.length < limit && m.find()) if (m.end() > m.start()) out.push([m.start(), m.end()]);
    return out;
  };
  // Match ranges (highlighting a few printed lines) stay on re2js: its leftmost-first choice is RE2's own.
  const fast = compileV8(re2Source, ignoreCase, re);
  if (fast !== undefined) return { source: pattern, ignoreCase, literal, engine: 'v8', test: fast, ranges };
  return { source: pattern, ignoreCase, literal, engine: 're2js', test: (msg) => re.test(msg), ranges };
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
    flags = re2().CASE_INSENSITIVE;
    source = source.slice(4);
  }
  const re = compileRe2(source, flags, where);
  return (v) => re.matches(v);
}
