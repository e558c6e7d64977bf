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
