/**
 * User regexes of the capture tools. Every pattern a user types (--grep, grep's pattern, label `=~`/`!~`
 * values) runs on RE2 (re2js, as the TUI and the redactor do): matching is linear in the subject, so a
 * pattern like `(a+)+$` cannot hang a scan of a 10 GB capture.
 *
 * Speed: RE2 in JavaScript runs at ~150-200 MB/s, and most patterns are a word or two. So a pattern is
 * analysed once for literals that every match must contain ("required literals"); a scan looks for those
 * with `String#indexOf` (a native memchr-style search, GB/s) in the raw decompressed text and only decodes
 * and tests the lines that contain one. A pattern that is nothing but a literal skips RE2 entirely.
 */

import { RE2JS } from 're2js';
import { InvalidRegexError } from './errors.js';

/** Longest pattern accepted (RE2 programs grow with the pattern; this keeps compile time trivial). */
export const MAX_PATTERN_LENGTH = 4096;

/** A compiled message pattern. */
export interface MessageMatcher {
  /** The pattern as given. */
  readonly source: string;
  readonly ignoreCase: boolean;
  /** Whether `msg` contains a match. */
  test(msg: string): boolean;
  /** Non-empty match ranges `[start, end)` in `msg` (UTF-16 units), in order, at most `limit` (for highlighting). */
  ranges(msg: string, limit?: number): Array<[number, number]>;
  /**
   * Literals of which every matching message contains at least one (lower-cased when `ignoreCase`), or
   * undefined when the pattern has no usable literal. Only printable ASCII without `"`, `\`, `<`, `>`,
   * `&` is used: JSON encoders (ours, Go's, Python's) write those bytes verbatim, so a message containing
   * the literal has a raw JSON line containing it too.
   */
  readonly literals: readonly string[] | undefined;
}

export interface MessageMatcherOptions {
  /** Match case-insensitively (also enabled by a leading `(?i)` in the pattern). */
  ignoreCase?: boolean;
  /** Treat the pattern as a literal string, not a regex. */
  fixed?: boolean;
}

const META = /[\\^$.|?*+()[\]{}]/;
/** Characters a literal used for raw-text prefiltering may hold (see MessageMatcher.literals). */
const RAW_SAFE = /^[\x20-\x7e]+$/;
const RAW_UNSAFE = /["\\<>&]/;

function rawSafe(lit: string): boolean {
  return lit.length > 0 && RAW_SAFE.test(lit) && !RAW_UNSAFE.test(lit);
}

function compileRe2(pattern: string, flags: number): RE2JS {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new InvalidRegexError(pattern.slice(0, 40), `longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  try {
    return RE2JS.compile(pattern, flags);
  } catch (err) {
    throw new InvalidRegexError(pattern, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * Compiles a message pattern (RE2 syntax, unanchored; `(?i)` and --ignore-case make it case-insensitive).
 * Throws {@link InvalidRegexError}.
 */
export function compileMessageMatcher(pattern: string, opts: MessageMatcherOptions = {}): MessageMatcher {
  let source = pattern;
  let ignoreCase = opts.ignoreCase === true;
  if (!opts.fixed && source.startsWith('(?i)')) {
    ignoreCase = true;
    source = source.slice(4);
  }
  const literal = opts.fixed ? source : META.test(source) ? undefined : source;
  if (literal !== undefined) {
    const asciiOnly = /^[\x00-\x7f]*$/.test(literal);
    if (literal === '') {
      return { source: pattern, ignoreCase, test: () => true, ranges: () => [], literals: undefined };
    }
    if (!ignoreCase || asciiOnly) {
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
      return { source: pattern, ignoreCase, test, ranges, literals: rawSafe(needle) ? [needle] : undefined };
    }
  }
  const re = compileRe2(
    literal !== undefined ? RE2JS.quote(literal) : source,
    ignoreCase ? RE2JS.CASE_INSENSITIVE : 0,
  );
  let literals = literal !== undefined ? [literal] : requiredLiterals(source);
  if (literals !== undefined) {
    literals = literals.map((l) => (ignoreCase ? l.toLowerCase() : l));
    if (!literals.every(rawSafe) || (ignoreCase && literals.some((l) => /[^\x00-\x7f]/.test(l)))) {
      literals = undefined;
    }
  }
  const ranges = (msg: string, limit = 64): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    const m = re.matcher(msg);
    while (out.length < limit && m.find()) if (m.end() > m.start()) out.push([m.start(), m.end()]);
    return out;
  };
  return { source: pattern, ignoreCase, test: (msg) => re.test(msg), ranges, literals };
}

/**
 * Compiles a label value regex, fully anchored as in Loki (`app=~"web|api"` matches `web`, not `webapp`).
 * Throws {@link InvalidRegexError}.
 */
export function compileLabelRegex(pattern: string): (value: string) => boolean {
  let source = pattern;
  let flags = 0;
  if (source.startsWith('(?i)')) {
    flags = RE2JS.CASE_INSENSITIVE;
    source = source.slice(4);
  }
  const re = compileRe2(source, flags);
  return (v) => re.matches(v);
}

/** Splits `s` at top-level `|` (outside groups and classes); undefined when the syntax is unusual. */
function topLevelAlternatives(s: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // `[]abc]` and `[^]abc]`: a leading `]` is a literal.
      if (s[i + 1] === '^') i++;
      if (s[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) return undefined;
  }
  if (depth !== 0 || inClass) return undefined;
  out.push(s.slice(start));
  return out;
}

const ESCAPED_LITERAL = /[\\^$.|?*+()[\]{}\-/ #!"'%&,:;<=>@`~]/;

/**
 * The longest literal run a match of this alternative-free pattern must contain, or undefined. Only
 * top-level runs count: groups and classes end a run, and a quantifier that allows zero repetitions
 * (`?`, `*`, `{0,`) removes the character before it.
 */
function requiredLiteral(s: string): string | undefined {
  let best = '';
  let run = '';
  const flush = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = s[i + 1];
    let lit: string | undefined;
    let width = 1;
    if (c === '\\') {
      if (next !== undefined && ESCAPED_LITERAL.test(next)) {
        lit = next;
        width = 2;
      } else {
        // \d, \w, \b, \Q, \x41, \p{..}: not a plain literal. Skip the escape (and a braced argument).
        flush();
        i++;
        if ((s[i] === 'p' || s[i] === 'P' || s[i] === 'x') && s[i + 1] === '{') {
          const close = s.indexOf('}', i);
          if (close < 0) return undefined;
          i = close;
        } else if (s[i] === 'Q') {
          return undefined; // \Q...\E quoting: rare, not worth parsing here
        }
        continue;
      }
    } else if (c === '(') {
      // A group: skip it whole (its content may be optional or alternated).
      flush();
      let depth = 0;
      let j = i;
      for (; j < s.length; j++) {
        if (s[j] === '\\') j++;
        else if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      if (
        s.startsWith('(?', i) &&
        !s.startsWith('(?:', i) &&
        !s.startsWith('(?P<', i) &&
        !s.startsWith('(?<', i)
      ) {
        return undefined; // inline flags change how the rest matches
      }
      i = j;
      continue;
    } else if (c === '[') {
      flush();
      let j = i + 1;
      if (s[j] === '^') j++;
      if (s[j] === ']') j++;
      for (; j < s.length && s[j] !== ']'; j++) if (s[j] === '\\') j++;
      i = j;
      continue;
    } else if ('.^$'.includes(c)) {
      flush();
      continue;
    } else if ('?*+{'.includes(c)) {
      // A quantifier on the previous atom. `+` keeps one copy; the others may remove it.
      if (c === '{') {
        const m = /^\{(\d+)(,\d*)?\}/.exec(s.slice(i));
        if (!m) return undefined;
        if (Number(m[1]) === 0) run = run.slice(0, -1);
        flush();
        i += m[0].length - 1;
      } else if (c !== '+') {
        run = run.slice(0, -1);
        flush();
      } else {
        flush();
      }
      if (s[i + 1] === '?') i++; // lazy quantifier
      continue;
    } else {
      lit = c;
    }
    // A literal followed by a quantifier belongs to it: decide when we see the quantifier.
    run += lit;
    i += width - 1;
  }
  flush();
  return best === '' ? undefined : best;
}

/**
 * Required literals of a pattern: one per top-level alternative (a match contains at least one), or
 * undefined when some alternative has none.
 */
export function requiredLiterals(pattern: string): string[] | undefined {
  const alts = topLevelAlternatives(pattern);
  if (alts === undefined) return undefined;
  const out: string[] = [];
  for (const a of alts) {
    const lit = requiredLiteral(a);
    if (lit === undefined) return undefined;
    out.push(lit);
  }
  return out;
}
