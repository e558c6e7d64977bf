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

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
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
 * Masks one token. Returns the token itself when it is a constant word, `<*>` when it is a variable,
 * or `key=<*>` / `key:<*>` when only the value part of a key/value token is variable.
 *
 * A token is variable when it contains a digit (numbers, hex ids, UUIDs, IPs, timestamps, durations
 * and sizes all do), or when it is a file path or URL. Keys made of letters keep their name so that
 * `uid=0` and `pid=0` stay distinct.
 */
export function maskToken(tok: string): string {
  const n = tok.length;
  let start = 0;
  while (start < n && isOpener(tok.charCodeAt(start))) start++;
  if (start < n) {
    const c0 = tok.charCodeAt(start);
    const c1 = start + 1 < n ? tok.charCodeAt(start + 1) : 0;
    // Paths (/a/b, ~/a, ./a, ../a, C:\a) and URLs are variables even without digits.
    if (c0 === Ch.Slash && c1 !== 0 && c1 !== Ch.Slash && c1 !== Ch.Space && !isClosing(c1)) return WILDCARD;
    if (
      (c0 === Ch.Tilde || c0 === Ch.Dot) &&
      (c1 === Ch.Slash || (c1 === Ch.Dot && tok.charCodeAt(start + 2) === Ch.Slash))
    )
      return WILDCARD;
  }
  let keyEnd = -1;
  let keyOk = true;
  let digit = false;
  for (let i = 0; i < n; i++) {
    const c = tok.charCodeAt(i);
    if (isDigit(c)) {
      digit = true;
      if (keyEnd < 0) keyOk = false;
      continue;
    }
    if (keyEnd < 0 && (c === Ch.Eq || c === Ch.Colon)) {
      if (c === Ch.Colon && tok.charCodeAt(i + 1) === Ch.Slash && tok.charCodeAt(i + 2) === Ch.Slash)
        return WILDCARD; // URL
      keyEnd = i;
      continue;
    }
    if (keyEnd < 0 && !(isLetter(c) || c === Ch.Underscore || c === Ch.Minus || c === Ch.Dot)) keyOk = false;
  }
  if (!digit) {
    if (keyEnd > 0 && keyOk && keyEnd + 1 < n) {
      // key=/some/path: the value is a path.
      const v = tok.charCodeAt(keyEnd + 1);
      if (v === Ch.Slash && keyEnd + 2 < n && tok.charCodeAt(keyEnd + 2) !== Ch.Slash)
        return tok.slice(0, keyEnd + 1) + WILDCARD;
    }
    return tok;
  }
  if (keyEnd > 0 && keyOk) return tok.slice(0, keyEnd + 1) + WILDCARD;
  return WILDCARD;
}

function isClosing(c: number): boolean {
  return c === 41 || c === 93 || c === 125 || c === Ch.Quote || c === Ch.Apos || c === 62;
}

/** Splits a message on runs of spaces and tabs. */
export function splitTokens(msg: string): string[] {
  const out: string[] = [];
  const n = msg.length;
  let i = 0;
  while (i < n) {
    let c = msg.charCodeAt(i);
    while (i < n && (c === Ch.Space || c === Ch.Tab || c === 10 || c === 13)) c = msg.charCodeAt(++i);
    if (i >= n) break;
    const s = i;
    while (i < n && c !== Ch.Space && c !== Ch.Tab && c !== 10 && c !== 13) c = msg.charCodeAt(++i);
    out.push(msg.slice(s, i));
  }
  return out;
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

function isDateWord(tok: string): boolean {
  if (tok.length < 3 || tok.length > 10) return false;
  let t = tok;
  const last = t.charCodeAt(t.length - 1);
  if (last === Ch.Comma || last === Ch.Dot) t = t.slice(0, -1);
  return DATE_WORDS.has(t.toLowerCase());
}

/** Tokenises and masks a message: the token sequence the miner sees. */
export function maskMessage(msg: string): string[] {
  const raw = splitTokens(msg);
  const toks = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) toks[i] = maskToken(raw[i]!);
  // Day and month names are timestamp parts when they sit next to a masked number ("Fri Jun 17
  // 04:05:06 2005", "12 Mar"): mask them too, or every weekday would split a template.
  for (let i = 0; i < raw.length; i++) {
    if (toks[i] === WILDCARD || !isDateWord(raw[i]!)) continue;
    const prev = i > 0 ? toks[i - 1] : undefined;
    const next = i + 1 < raw.length ? toks[i + 1] : undefined;
    const nextDate = i + 1 < raw.length && isDateWord(raw[i + 1]!);
    if (prev === WILDCARD || next === WILDCARD || nextDate) toks[i] = WILDCARD;
  }
  return toks;
}
