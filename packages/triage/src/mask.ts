/**
 * Tokenising and variable masking, the first step of template mining. One pass over the characters
 * of each whitespace-separated token decides whether it is a variable; there are no per-dataset
 * rules. A variable token becomes `<*>` (the Drain placeholder; the report renders Loki's `<_>`).
 */

/** The placeholder for a masked variable inside a token sequence. */
export const WILDCARD = '<*>';

enum Ch {
  Tab = 9,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Apos = 39,
  LParen = 40,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Eq = 61,
  At = 64,
  UpperA = 65,
  UpperZ = 90,
  LBracket = 91,
  Backslash = 92,
  Underscore = 95,
  LowerA = 97,
  LowerZ = 122,
  LBrace = 123,
  Tilde = 126,
}

function isLetter(c: number): boolean {
  return (c >= Ch.LowerA && c <= Ch.LowerZ) || (c >= Ch.UpperA && c <= Ch.UpperZ);
}

/** Leading characters that wrap a token without being part of it: quotes and brackets. */
function isOpener(c: number): boolean {
  return (
    c === Ch.Quote || c === Ch.Apos || c === Ch.LParen || c === Ch.LBracket || c === Ch.LBrace || c === 60
  );
}

/**
 * Classifies the token `s[a, b)`: -1 keeps it, 0 masks it whole, k > 0 keeps `s[a, a + k)` (a
 * `key=` or `key:` prefix) and masks the rest. Works on indexes so that masked tokens are never
 * sliced out of the line (the hot path allocates only the tokens it keeps).
 */
function classifySpan(s: string, a: number, b: number): number {
  let start = a;
  while (start < b && isOpener(s.charCodeAt(start))) start++;
  if (start < b) {
    const c0 = s.charCodeAt(start);
    const c1 = start + 1 < b ? s.charCodeAt(start + 1) : 0;
    // Paths (/a/b, ~/a, ./a, ../a) and URLs are variables even without digits.
    if (c0 === Ch.Slash && c1 !== 0 && c1 !== Ch.Slash && !isClosing(c1)) return 0;
    if (
      (c0 === Ch.Tilde || c0 === Ch.Dot) &&
      (c1 === Ch.Slash || (c1 === Ch.Dot && start + 2 < b && s.charCodeAt(start + 2) === Ch.Slash))
    )
      return 0;
  }
  let keyEnd = -1;
  let keyOk = true;
  let digit = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= Ch.Zero && c <= Ch.Nine) {
      digit = true;
      if (keyEnd < 0) keyOk = false;
      continue;
    }
    if (keyEnd < 0) {
      if (c === Ch.Eq || c === Ch.Colon) {
        if (
          c === Ch.Colon &&
          i + 2 < b &&
          s.charCodeAt(i + 1) === Ch.Slash &&
          s.charCodeAt(i + 2) === Ch.Slash
        )
          return 0; // URL
        keyEnd = i;
      } else if (!(isLetter(c) || c === Ch.Underscore || c === Ch.Minus || c === Ch.Dot)) keyOk = false;
    }
  }
  if (!digit) {
    // key=/some/path: the value is a path.
    if (
      keyEnd > a &&
      keyOk &&
      keyEnd + 2 < b &&
      s.charCodeAt(keyEnd + 1) === Ch.Slash &&
      s.charCodeAt(keyEnd + 2) !== Ch.Slash
    )
      return keyEnd - a + 1;
    return -1;
  }
  if (keyEnd > a && keyOk) return keyEnd - a + 1;
  return 0;
}

/**
 * Masks one token. Returns the token itself when it is a constant word, `<*>` when it is a variable,
 * or `key=<*>` / `key:<*>` when only the value part of a key/value token is variable.
 *
 * A token is variable when it contains a digit (numbers, hex ids, UUIDs, IPs, timestamps, durations
 * and sizes all do), or when it is a file path or URL. Keys made of letters keep their name so that
 * `uid=0` and `pid=0` stay distinct.
 */
export function maskToken(tok: string): string {
  const k = classifySpan(tok, 0, tok.length);
  return k < 0 ? tok : k === 0 ? WILDCARD : tok.slice(0, k) + WILDCARD;
}

function isClosing(c: number): boolean {
  return c === 41 || c === 93 || c === 125 || c === Ch.Quote || c === Ch.Apos || c === 62;
}

const DATE_WORDS = new Set([
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'january',
  'february',
  'march',
  'april',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
]);

/** First letters of day and month names (either case): a cheap filter before lower-casing. */
function maybeDateInitial(c: number): boolean {
  const l = c | 0x20;
  return (
    l === 106 ||
    l === 102 ||
    l === 109 ||
    l === 97 ||
    l === 115 ||
    l === 111 ||
    l === 110 ||
    l === 100 ||
    l === 116 ||
    l === 119
  );
}

function isDateWord(tok: string): boolean {
  if (tok.length < 3 || tok.length > 10 || !maybeDateInitial(tok.charCodeAt(0))) return false;
  let t = tok;
  const last = t.charCodeAt(t.length - 1);
  if (last === Ch.Comma || last === Ch.Dot) t = t.slice(0, -1);
  return DATE_WORDS.has(t.toLowerCase());
}

function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab || c === 10 || c === 13;
}

/**
 * Tokenises and masks a message: the token sequence the miner sees. Day and month names are masked
 * too when they sit next to a masked token ("Fri Jun 17 04:05:06 2005", "12 Mar"), or every weekday
 * would split a template; elsewhere ("may the force…") they stay words.
 */
export function maskMessage(msg: string): string[] {
  const out: string[] = [];
  const n = msg.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(msg.charCodeAt(i))) i++;
    if (i >= n) break;
    const a = i;
    while (i < n && !isSpace(msg.charCodeAt(i))) i++;
    const k = classifySpan(msg, a, i);
    if (k === 0) {
      // Date words right before a masked token: mask them (and a run of them: "Sun Jul 10").
      for (let j = out.length - 1; j >= 0 && out[j] !== WILDCARD && isDateWord(out[j]!); j--)
        out[j] = WILDCARD;
      out.push(WILDCARD);
    } else if (k > 0) {
      out.push(msg.slice(a, a + k) + WILDCARD);
    } else {
      const tok = msg.slice(a, i);
      out.push(out.length > 0 && out[out.length - 1] === WILDCARD && isDateWord(tok) ? WILDCARD : tok);
    }
  }
  return out;
}

// ---------------------------------------------------------------- the engine's hot path
//
// The engine groups lines by their masked token sequence. Building that sequence as a string per
// line (`maskMessage(msg).join(' ')`) and hashing it in a Map was a third of the engine's time
// (bench/engine.ts). Instead, {@link scanTokens} classifies the tokens of a line in place (spans and
// kinds in reused typed arrays) and hashes each token's output as it goes; the engine looks the hash
// up and confirms the candidate by comparing its tokens with the line ({@link tokensMatch}, native
// `startsWith`, no allocation). Only a line whose sequence is new builds the key ({@link buildKey}).

/** Character classes for the fused scan: one table lookup per character. */
const C_SPACE = 1;
const C_DIGIT = 2;
/** Letters, `_`, `-`, `.`: what a `key` of `key=value` may hold. */
const C_KEY = 4;
const C_SEP = 8; // `=` or `:`
/** Indexed by UTF-16 code unit (64 KiB, no range check per character); 0 outside ASCII. */
const CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  if (isSpace(c)) CLASS[c] = C_SPACE;
  else if (c >= Ch.Zero && c <= Ch.Nine) CLASS[c] = C_DIGIT;
  else if (isLetter(c) || c === Ch.Underscore || c === Ch.Minus || c === Ch.Dot) CLASS[c] = C_KEY;
  else if (c === Ch.Eq || c === Ch.Colon) CLASS[c] = C_SEP;
}

const FNV_PRIME = 0x01000193;
const FNV_BASIS = 0x811c9dc5 | 0;

/** FNV-1a of `<*>` continued from `h`: a token's hash is always the hash of its output text. */
function withWildcard(h: number): number {
  return Math.imul(Math.imul(Math.imul(h ^ 60, FNV_PRIME) ^ 42, FNV_PRIME) ^ 62, FNV_PRIME);
}
const WILD_HASH = withWildcard(FNV_BASIS);

// The tokens of the line scanned last, reused across calls (grown on demand): no per-line arrays.
let tokStart = new Int32Array(256);
let tokEnd = new Int32Array(256);
/** -1 keep, 0 masked, k > 0 keep the first k characters (`key=`) and mask the rest. */
let tokKind = new Int32Array(256);
/** FNV-1a of the whole token, and of its `key=` prefix (when it has one). */
let tokHash = new Int32Array(256);
let tokPrefixHash = new Int32Array(256);

function grow(): void {
  const n = tokStart.length * 2;
  const copy = (a: Int32Array) => {
    const b = new Int32Array(n);
    b.set(a);
    return b;
  };
  tokStart = copy(tokStart);
  tokEnd = copy(tokEnd);
  tokKind = copy(tokKind);
  tokHash = copy(tokHash);
  tokPrefixHash = copy(tokPrefixHash);
}

/** Day and month names by their first three letters (lower case), for {@link isDateWordAt}. */
const DATE_WORDS_BY_PREFIX = new Map<number, string[]>();
for (const w of DATE_WORDS) {
  const k = (w.charCodeAt(0) << 16) | (w.charCodeAt(1) << 8) | w.charCodeAt(2);
  const list = DATE_WORDS_BY_PREFIX.get(k);
  if (list) list.push(w);
  else DATE_WORDS_BY_PREFIX.set(k, [w]);
}

function lowerAscii(c: number): number {
  return c >= Ch.UpperA && c <= Ch.UpperZ ? c | 0x20 : c;
}

/**
 * `isDateWord(s.slice(a, b))` without the slice and the lower-cased copy (it runs next to every
 * masked token). Exact: the words are ASCII without `k`, and no other character lower-cases to
 * one of their letters.
 */
function isDateWordAt(s: string, a: number, b: number): boolean {
  let len = b - a;
  if (len < 3 || len > 10 || !maybeDateInitial(s.charCodeAt(a))) return false;
  const last = s.charCodeAt(b - 1);
  if (last === Ch.Comma || last === Ch.Dot) len--;
  if (len < 3) return false;
  const list = DATE_WORDS_BY_PREFIX.get(
    (lowerAscii(s.charCodeAt(a)) << 16) |
      (lowerAscii(s.charCodeAt(a + 1)) << 8) |
      lowerAscii(s.charCodeAt(a + 2)),
  );
  if (list === undefined) return false;
  for (const w of list) {
    if (w.length !== len) continue;
    let x = 3;
    while (x < len && lowerAscii(s.charCodeAt(a + x)) === w.charCodeAt(x)) x++;
    if (x === len) return true;
  }
  return false;
}

/**
 * Tokenises and masks `msg` exactly as {@link maskMessage} does, into the module's token arrays, in one
 * fused pass (a table lookup per character instead of a second scan per token). Returns the token
 * count; {@link tokensHash}, {@link tokensMatch} and {@link buildKey} read the result.
 */
export function scanTokens(msg: string): number {
  const n = msg.length;
  const cls = CLASS; // a local: the loops below read it per character
  let count = 0;
  let i = 0;
  for (;;) {
    let c = 0;
    while (i < n) {
      c = msg.charCodeAt(i);
      if (cls[c] !== C_SPACE) break;
      i++;
    }
    if (i >= n) break;
    const a = i;
    let keyEnd = -1;
    let keyOk = true;
    let digit = false;
    let url = false;
    let h = FNV_BASIS;
    let hp = 0;
    for (; i < n; i++) {
      c = msg.charCodeAt(i);
      const t = cls[c]!;
      if (t === C_SPACE) break;
      if (t === C_DIGIT) {
        digit = true;
        break;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
      if (keyEnd < 0) {
        if (t === C_SEP) {
          // `scheme://` (the characters checked are inside the token, or they would be whitespace).
          if (
            c === Ch.Colon &&
            i + 2 < n &&
            msg.charCodeAt(i + 1) === Ch.Slash &&
            msg.charCodeAt(i + 2) === Ch.Slash
          )
            url = true;
          keyEnd = i;
          hp = h;
        } else if (t !== C_KEY) keyOk = false;
      }
    }
    if (digit) {
      // Nothing after the first digit changes the outcome (a digit before the key masks the whole
      // token; after it, the key is settled), and the token's own hash is only used for tokens
      // without digits: just find the end.
      if (keyEnd < 0) keyOk = false;
      for (i++; i < n && cls[msg.charCodeAt(i)] !== C_SPACE; i++);
    }
    const b = i;
    let kind: number;
    if (url || isPathAt(msg, a, b)) kind = 0;
    else if (!digit) {
      kind =
        keyEnd > a &&
        keyOk &&
        keyEnd + 2 < b &&
        msg.charCodeAt(keyEnd + 1) === Ch.Slash &&
        msg.charCodeAt(keyEnd + 2) !== Ch.Slash
          ? keyEnd - a + 1
          : -1;
    } else kind = keyEnd > a && keyOk ? keyEnd - a + 1 : 0;
    // Day and month names next to masked tokens are timestamp parts (see maskMessage).
    if (kind === 0) {
      for (let j = count - 1; j >= 0 && tokKind[j] === -1 && isDateWordAt(msg, tokStart[j]!, tokEnd[j]!); j--)
        tokKind[j] = 0;
    } else if (kind === -1 && count > 0 && tokKind[count - 1] === 0 && isDateWordAt(msg, a, b)) kind = 0;
    if (count === tokStart.length) grow();
    tokStart[count] = a;
    tokEnd[count] = b;
    tokKind[count] = kind;
    tokHash[count] = h;
    tokPrefixHash[count] = withWildcard(hp);
    count++;
  }
  return count;
}

/**
 * A hash of the masked sequence of the last {@link scanTokens}: a function of the output tokens'
 * text only (a kept `<*>` or `uid=<*>` in the line hashes like a masked one), so equal keys hash
 * equal, whatever the whitespace between their tokens.
 */
export function tokensHash(count: number): number {
  let h = Math.imul(0x9e3779b9 ^ count, FNV_PRIME);
  for (let j = 0; j < count; j++) {
    const k = tokKind[j]!;
    const t = k === 0 ? WILD_HASH : k > 0 ? tokPrefixHash[j]! : tokHash[j]!;
    h = Math.imul(h ^ t, FNV_PRIME);
    h ^= h >>> 15;
  }
  return h;
}

/** Whether the last {@link scanTokens} of `msg` produced exactly `tokens` (compared in place). */
export function tokensMatch(msg: string, count: number, tokens: readonly string[]): boolean {
  if (tokens.length !== count) return false;
  for (let j = 0; j < count; j++) if (!tokenMatches(msg, j, tokens[j]!)) return false;
  return true;
}

/**
 * A key's plain tokens (without `<*>`) grouped into runs, for {@link runsMatch}: `text[i]` is a run of
 * `count[i]` tokens joined by single spaces, or, with `count[i]` 0, one token holding `<*>`.
 */
export interface KeyRuns {
  text: string[];
  count: number[];
}

/** The runs of a key (see {@link KeyRuns}). */
export function keyRuns(tokens: readonly string[]): KeyRuns {
  const text: string[] = [];
  const count: number[] = [];
  for (let j = 0; j < tokens.length; ) {
    if (tokens[j]!.includes(WILDCARD)) {
      text.push(tokens[j]!);
      count.push(0);
      j++;
      continue;
    }
    const start = j;
    while (j < tokens.length && !tokens[j]!.includes(WILDCARD)) j++;
    text.push(tokens.slice(start, j).join(' '));
    count.push(j - start);
  }
  return { text, count };
}

/**
 * {@link tokensMatch} for the common layout, a run of plain tokens at a time: one native
 * `startsWith` per run instead of one per token. False when the line's whitespace differs from
 * single spaces inside a run; callers then fall back to tokensMatch.
 */
export function runsMatch(msg: string, count: number, tokens: readonly string[], runs: KeyRuns): boolean {
  let j = 0;
  for (let r = 0; r < runs.count.length; r++) {
    const m = runs.count[r]!;
    if (m === 0) {
      if (j >= count || !tokenMatches(msg, j, tokens[j]!)) return false;
      j++;
      continue;
    }
    if (j + m > count) return false;
    const text = runs.text[r]!;
    const a = tokStart[j]!;
    if (tokEnd[j + m - 1] !== a + text.length || !msg.startsWith(text, a)) return false;
    for (let x = j; x < j + m; x++) if (tokKind[x] !== -1) return false;
    j += m;
  }
  return j === count;
}

function tokenMatches(msg: string, j: number, t: string): boolean {
  const k = tokKind[j]!;
  const a = tokStart[j]!;
  if (k === 0) return t === WILDCARD;
  if (k < 0) return t.length === tokEnd[j]! - a && msg.startsWith(t, a);
  if (t.length !== k + WILDCARD.length || !t.endsWith(WILDCARD)) return false;
  for (let x = 0; x < k; x++) if (t.charCodeAt(x) !== msg.charCodeAt(a + x)) return false;
  return true;
}

/**
 * The key of the last {@link scanTokens} of `msg`: its tokens joined by single spaces. Runs of kept
 * tokens already separated by single spaces are one slice, and a line with nothing masked is its
 * own key.
 */
export function buildKey(msg: string, count: number): string {
  if (count === 0) return '';
  const n = msg.length;
  if (tokKind[0] === -1 && tokStart[0] === 0 && tokEnd[count - 1] === n) {
    let whole = true;
    for (let j = 1; j < count; j++) {
      if (
        tokKind[j] !== -1 ||
        tokStart[j] !== tokEnd[j - 1]! + 1 ||
        msg.charCodeAt(tokEnd[j - 1]!) !== Ch.Space
      ) {
        whole = false;
        break;
      }
    }
    if (whole) return msg;
  }
  let key = '';
  let j = 0;
  while (j < count) {
    const kind = tokKind[j]!;
    if (j > 0) key += ' ';
    if (kind === 0) {
      key += WILDCARD;
      j++;
    } else if (kind > 0) {
      key += msg.slice(tokStart[j]!, tokStart[j]! + kind) + WILDCARD;
      j++;
    } else {
      const a = tokStart[j]!;
      let b = tokEnd[j]!;
      j++;
      while (j < count && tokKind[j] === -1 && tokStart[j] === b + 1 && msg.charCodeAt(b) === Ch.Space) {
        b = tokEnd[j]!;
        j++;
      }
      key += msg.slice(a, b);
    }
  }
  return key;
}

/** `maskMessage(msg).join(' ')`, without building the token array. */
export function maskKey(msg: string): string {
  return buildKey(msg, scanTokens(msg));
}

/** The path / relative-path rule of classifySpan: `/a`, `~/a`, `./a`, `../a` after openers. */
function isPathAt(s: string, a: number, b: number): boolean {
  let start = a;
  while (start < b && isOpener(s.charCodeAt(start))) start++;
  if (start >= b) return false;
  const c0 = s.charCodeAt(start);
  const c1 = start + 1 < b ? s.charCodeAt(start + 1) : 0;
  if (c0 === Ch.Slash) return c1 !== 0 && c1 !== Ch.Slash && !isClosing(c1);
  if (c0 === Ch.Tilde || c0 === Ch.Dot)
    return c1 === Ch.Slash || (c1 === Ch.Dot && start + 2 < b && s.charCodeAt(start + 2) === Ch.Slash);
  return false;
}
