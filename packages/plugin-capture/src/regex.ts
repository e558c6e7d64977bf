/**
 * Message patterns of the capture tools: @logtap/capture's RE2 matcher (linear in the line, so a
 * pattern like `(a+)+$` cannot hang a scan of a 10 GB capture; see its parseMessagePattern) plus the
 * literals a scan prefilters on.
 *
 * Speed: RE2 in JavaScript runs at ~150-200 MB/s, and most patterns are a word or two. So a pattern is
 * analysed once for literals that every match must contain ("required literals"); a scan looks for those
 * with `String#indexOf` (a native memchr-style search, GB/s) in the raw decompressed text and only decodes
 * and tests the lines that contain one. A pattern that is nothing but a literal skips RE2 entirely.
 */

import { type MessagePattern, type MessagePatternOptions, parseMessagePattern } from '@logtap/capture/read';

/** A compiled message pattern with its raw-text prefilter. */
export interface MessageMatcher extends MessagePattern {
  /**
   * Literals of which every matching message contains at least one (lower-cased when `ignoreCase`), or
   * undefined when the pattern has no usable literal. Only printable ASCII without `"`, `\`, `<`, `>`,
   * `&` is used: JSON encoders (ours, Go's, Python's) write those bytes verbatim, so a message containing
   * the literal has a raw JSON line containing it too.
   */
  readonly literals: readonly string[] | undefined;
}

/** Characters a literal used for raw-text prefiltering may hold (see MessageMatcher.literals). */
const RAW_SAFE = /^[\x20-\x7e]+$/;
const RAW_UNSAFE = /["\\<>&]/;

function rawSafe(lit: string): boolean {
  return lit.length > 0 && RAW_SAFE.test(lit) && !RAW_UNSAFE.test(lit);
}

/**
 * Compiles a message pattern (RE2 syntax, unanchored; `(?i)` and --ignore-case make it case-insensitive,
 * --fixed-strings literal) and works out its prefilter literals. Throws @logtap/capture's
 * InvalidRegexError.
 */
export function compileMessageMatcher(pattern: string, opts: MessagePatternOptions = {}): MessageMatcher {
  const m = parseMessagePattern(pattern, opts);
  const { ignoreCase, literal } = m;
  let literals: string[] | undefined;
  if (literal !== undefined) {
    literals = literal === '' ? undefined : [literal];
  } else {
    // The pattern without the leading (?i) that parseMessagePattern took as a flag.
    const source = !opts.fixed && pattern.startsWith('(?i)') ? pattern.slice(4) : pattern;
    literals = requiredLiterals(source);
  }
  if (literals !== undefined) {
    literals = literals.map((l) => (ignoreCase ? l.toLowerCase() : l));
    // Case-insensitively `k` also matches U+212A and `s` U+017F (RE2's folding), and non-ASCII letters
    // their other case, none of which the raw-text search (ASCII lower-casing of bytes) sees: a match
    // surely contains only the longest run between those characters.
    if (ignoreCase) literals = literals.map((l) => longest(l.split(/[ks]|[^\x00-\x7f]/)));
    if (!literals.every(rawSafe)) literals = undefined;
  }
  return { ...m, literals };
}

function longest(parts: string[]): string {
  return parts.reduce((a, b) => (b.length > a.length ? b : a), '');
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
