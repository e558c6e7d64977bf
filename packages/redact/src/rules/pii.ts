import {
  cardGroupsPlausible,
  cardIssuerPlausible,
  ibanLength,
  ibanValid,
  luhnValid,
  ssnPlausible,
} from '../validators.js';
import {
  type BuiltinRule,
  codeAt,
  eachMatch,
  isAlnumCode,
  isDigitCode,
  isWordCode,
  type SpanSink,
} from './types.js';

// --- email --------------------------------------------------------------------------------------------

/** RFC 5322 atext minus the rarely logged ones: letters, digits and . _ % + - */
function isLocalCode(c: number): boolean {
  return isAlnumCode(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || isIntlLetter(c);
}

function isDomainCode(c: number): boolean {
  return isAlnumCode(c) || c === 45 || c === 46 || isIntlLetter(c);
}

/** Non-ASCII letters of internationalized addresses (RFC 6531): jörg@bücher.example. */
function isIntlLetter(c: number): boolean {
  return (
    c >= 0xc0 &&
    c !== 0xd7 &&
    c !== 0xf7 &&
    (c < 0x2000 || c > 0x206f) &&
    (c < 0xd800 || c > 0xdfff) &&
    c !== 0xfeff
  );
}

/**
 * Top-level "domains" that are really file extensions: `logo@2x.png`, `icon@3x.webp`, `bundle@1.0.js`.
 * Real TLDs among them (.sh, .md, .py, .so) are rare in addresses and frequent in file names.
 */
const FILE_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif svg webp ico bmp tif tiff avif css js mjs cjs ts map json xml html htm txt log zip gz tgz tar jar war class ' +
    'yaml yml toml ini conf cfg lock pdf csv bak tmp swp exe dll so py rb go rs java kt sh md woff woff2 ttf mp3 mp4 wav mov'
  ).split(' '),
);

function validTld(tld: string): boolean {
  if (tld.length < 2 || tld.length > 24) return false;
  if (tld.startsWith('xn--')) return true;
  for (let i = 0; i < tld.length; i++) {
    const c = tld.charCodeAt(i);
    if (!((c | 32) >= 97 && (c | 32) <= 122) && !isIntlLetter(c)) return false;
  }
  return !FILE_EXTENSIONS.has(tld.toLowerCase());
}

/** End of a valid domain starting at `from`, or -1: at least two labels, LDH labels, alphabetic TLD. */
function domainEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && end - from < 254 && isDomainCode(text.charCodeAt(end))) end++;
  // A sentence-ending dot or a dangling hyphen is not part of the domain.
  while (end > from && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
  if (end <= from) return -1;
  // Walk the labels by hand (no split): each 1-63 characters, no hyphen at either edge.
  let labelStart = from;
  let labels = 0;
  for (let i = from; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== 46) continue;
    const len = i - labelStart;
    if (len === 0 || len > 63) return -1;
    if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return -1;
    labels++;
    if (i < end) labelStart = i + 1;
  }
  if (labels < 2) return -1;
  return validTld(text.slice(labelStart, end)) ? end : -1;
}

/** Start of a valid local part ending just before `at`, or -1 (1..64 characters, no edge or double dots). */
function localStart(text: string, at: number): number {
  let start = at;
  while (start > 0 && at - start < 64 && isLocalCode(text.charCodeAt(start - 1))) start--;
  if (start > 0 && isLocalCode(text.charCodeAt(start - 1))) return -1; // longer than 64: not an address
  while (start < at && text.charCodeAt(start) === 46) start++;
  if (start >= at || text.charCodeAt(at - 1) === 46) return -1;
  if (text.slice(start, at).includes('..')) return -1;
  return start;
}

function findEmailsAt(text: string, sink: SpanSink, marker: string): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf(marker, from);
    if (at < 0) return;
    from = at + marker.length;
    const start = localStart(text, at);
    if (start < 0) continue;
    const end = domainEnd(text, at + marker.length);
    if (end < 0) continue;
    sink.add(start, end);
    from = end;
  }
}

const email: BuiltinRule = {
  name: 'email',
  category: 'pii',
  description: 'email addresses (also %40-encoded in URLs); file names like logo@2x.png are not addresses',
  mayMatch: (text) => text.includes('@') || text.includes('%40'),
  find: (text, sink) => {
    findEmailsAt(text, sink, '@');
    if (text.includes('%40')) findEmailsAt(text, sink, '%40');
  },
};

// --- IBAN ---------------------------------------------------------------------------------------------

// Fixed single characters first: V8 builds its quick pre-check only from them (`[A-Z]{2}` disables it).
const IBAN_CANDIDATE = /[A-Z][A-Z]\d\d(?: ?[A-Z0-9]){11,32}/g;

const iban: BuiltinRule = {
  name: 'iban',
  category: 'pii',
  description:
    'IBANs (compact or printed in groups of four) with the registered country length and mod-97 check',
  mayMatch: () => true,
  find: (text, sink) =>
    eachMatch(IBAN_CANDIDATE, text, (m) => {
      if (isAlnumCode(codeAt(text, m.index - 1))) return m.index + 1;
      const expected = ibanLength(m[0].slice(0, 2));
      if (expected === undefined) return m.index + 2;
      // Walk the candidate until the country's length is reached; printed groups must be four wide.
      let chars = 0;
      let group = 0;
      let spaced = false;
      let i = m.index;
      const stop = m.index + m[0].length;
      for (; i < stop && chars < expected; i++) {
        if (text.charCodeAt(i) === 32) {
          if (group !== 4) return m.index + 2;
          spaced = true;
          group = 0;
        } else {
          chars++;
          group++;
        }
      }
      if (chars !== expected || isAlnumCode(codeAt(text, i))) return m.index + 2;
      if (spaced && group > 4) return m.index + 2;
      if (!ibanValid(text.slice(m.index, i))) return m.index + 2;
      sink.add(m.index, i);
      return i;
    }),
};

// --- payment cards ------------------------------------------------------------------------------------

// Seeds: 12+ digits in at most three groups (4-4-4, 4-6-5, 13-19 bare). Written with single `\d`s
// because V8's quick pre-check needs fixed characters (`\d{4}` is about 6x slower on loghub). The run
// around a seed is then widened by hand to every digit joined by single separators.
const CARD_SEED = /\d\d\d\d[ -]?\d\d\d\d\d?\d?[ -]?\d\d\d\d/g;

function isCardSep(c: number): boolean {
  return c === 32 || c === 45;
}

/** Rejects runs glued to identifiers or decimals: blk_-6952..., 0x4111..., 12.4111..., 4111...e3 */
function cardRunBounded(text: string, start: number, end: number): boolean {
  const prev = codeAt(text, start - 1);
  if (isWordCode(prev) || prev === 46 || prev === 43 || prev === 45) return false;
  const next = codeAt(text, end);
  if (isWordCode(next)) return false;
  if ((next === 46 || next === 44 || next === 45) && isDigitCode(codeAt(text, end + 1))) return false;
  return true;
}

function findCardsInRun(sink: SpanSink, run: string, offset: number): void {
  // Split into groups (digits) and the separators between them.
  const groups: string[] = [];
  const starts: number[] = [];
  const seps: number[] = [];
  let g = 0;
  for (let i = 0; i <= run.length; i++) {
    const c = i < run.length ? run.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) continue;
    groups.push(run.slice(g, i));
    starts.push(g);
    if (c >= 0) seps.push(c);
    g = i + 1;
  }
  for (let a = 0; a < groups.length; a++) {
    let digits = '';
    for (let b = a; b < groups.length; b++) {
      if (b > a && seps[b - 1] !== seps[a]) break; // one separator character throughout
      digits += groups[b]!;
      if (digits.length > 19) break;
      if (digits.length < 13) continue;
      const window = groups.slice(a, b + 1);
      // Luhn, and either an issuer prefix (bare digits) or a printed card layout (separated digits):
      // "5015 150454 240" passes Luhn with a Maestro prefix but no card is printed 4-6-3.
      const ok = luhnValid(digits) && (b > a ? cardGroupsPlausible(window) : cardIssuerPlausible(digits));
      if (!ok) continue;
      sink.add(offset + starts[a]!, offset + starts[b]! + groups[b]!.length);
      a = b;
      break;
    }
  }
}

const creditCard: BuiltinRule = {
  name: 'credit_card',
  category: 'pii',
  description:
    'payment card numbers: 13-19 digits passing Luhn, with a card network issuer prefix and length or printed card grouping',
  mayMatch: () => true,
  find: (text, sink) =>
    eachMatch(CARD_SEED, text, (m) => {
      let start = m.index;
      let end = m.index + m[0].length;
      for (;;) {
        const c = codeAt(text, start - 1);
        if (isDigitCode(c) || (isCardSep(c) && isDigitCode(codeAt(text, start - 2)))) start--;
        else break;
      }
      for (;;) {
        const c = codeAt(text, end);
        if (isDigitCode(c) || (isCardSep(c) && isDigitCode(codeAt(text, end + 1)))) end++;
        else break;
      }
      if (cardRunBounded(text, start, end)) findCardsInRun(sink, text.slice(start, end), start);
      return end;
    }),
};

// --- US SSN -------------------------------------------------------------------------------------------

const SSN = /(\d\d\d)-(\d\d)-(\d\d\d\d)/g; // single \d's: see CARD_SEED

const ssn: BuiltinRule = {
  name: 'ssn',
  category: 'pii',
  description: 'US social security numbers ddd-dd-dddd that could be issued (no 000, 666, 9xx, 00, 0000)',
  mayMatch: (text) => text.includes('-'),
  find: (text, sink) =>
    eachMatch(SSN, text, (m) => {
      const end = m.index + m[0].length;
      const prev = codeAt(text, m.index - 1);
      if (isWordCode(prev) || prev === 45 || prev === 46) return end;
      const next = codeAt(text, end);
      if (isWordCode(next)) return end;
      if ((next === 45 || next === 46) && isDigitCode(codeAt(text, end + 1))) return end;
      if (ssnPlausible(m[1]!, m[2]!, m[3]!)) sink.add(m.index, end);
      return end;
    }),
};

// --- phone numbers ------------------------------------------------------------------------------------

// North American numbers need separators or parentheses: 415-555-0132, (415) 555-0132, 415.555.0132,
// +1 415 555 0132. Area code and exchange start with 2-9 (NANP). Bare 10-digit runs are ids, not phones.
// The seed is the exchange and line number ("555-0132", fixed characters for V8's quick check); the area
// code, parentheses and country prefix are then checked backwards by hand.
const NANP_SEED = /\d\d\d[ .-]\d\d\d\d/g;
const PHONE_CONTEXT = /(?:phone|tel|mobile|cell|fax|call|sms|contact|whatsapp)\W{0,3}[\w ]{0,20}$/i;

function phoneBounded(text: string, start: number, end: number): boolean {
  const prev = codeAt(text, start - 1);
  if (isWordCode(prev) || prev === 46 || prev === 45 || prev === 43 || prev === 47) return false;
  const next = codeAt(text, end);
  if (isWordCode(next)) return false;
  if ((next === 46 || next === 45) && isDigitCode(codeAt(text, end + 1))) return false;
  return true;
}

/** Three digits at `i`, the first 2-9 (a NANP area code or exchange). */
function nanpTriple(text: string, i: number): boolean {
  const c = codeAt(text, i);
  return c >= 50 && c <= 57 && isDigitCode(codeAt(text, i + 1)) && isDigitCode(codeAt(text, i + 2));
}

/** Start of an optional "1", "1-", "+1 " or "+1" before the area code at `start`; `start` when absent. */
function nanpPrefixStart(text: string, start: number): { start: number; prefixed: boolean } {
  let i = start;
  if (isPhoneSep(codeAt(text, i - 1)) && codeAt(text, i - 2) === 49) i -= 2;
  else if (codeAt(text, i - 1) === 49) i -= 1;
  else return { start, prefixed: false };
  if (codeAt(text, i - 1) === 43) i -= 1;
  return { start: i, prefixed: true };
}

function findNanp(text: string, sink: SpanSink): void {
  eachMatch(NANP_SEED, text, (m) => {
    const ex = m.index;
    const end = ex + 8;
    const sep2 = text.charCodeAt(ex + 3);
    if (!nanpTriple(text, ex)) return ex + 1;
    let area: number;
    let parens = false;
    const before = codeAt(text, ex - 1);
    const close = isPhoneSep(before) && codeAt(text, ex - 2) === 41 ? ex - 2 : before === 41 ? ex - 1 : -1;
    if (close >= 0) {
      if (codeAt(text, close - 4) !== 40 || !nanpTriple(text, close - 3)) return ex + 1;
      area = close - 4;
      parens = true;
    } else {
      // The same separator on both sides: 415-555-0132, not 415.555-0132.
      if (before !== sep2 || !nanpTriple(text, ex - 4)) return ex + 1;
      area = ex - 4;
    }
    let { start, prefixed } = nanpPrefixStart(text, area);
    if (prefixed && !phoneBounded(text, start, end)) start = area;
    if (!phoneBounded(text, start, end)) return ex + 1;
    // Space-separated digit groups without +1 or parentheses are too often plain numbers ("300 200
    // 1000"): they need a word like "phone" or "tel" shortly before.
    if (!parens && start === area && sep2 === 32) {
      if (!PHONE_CONTEXT.test(text.slice(Math.max(0, start - 32), start))) return ex + 1;
    }
    sink.add(start, end);
    return end;
  });
}

function isPhoneSep(c: number): boolean {
  return c === 32 || c === 45 || c === 46;
}

/** International numbers after '+': 8-15 digits (E.164); compact form needs 10+; CC 1 and 7 are one digit. */
function findInternational(text: string, sink: SpanSink): void {
  let from = 0;
  for (;;) {
    const plus = text.indexOf('+', from);
    if (plus < 0) return;
    from = plus + 1;
    const first = codeAt(text, plus + 1);
    if (first < 49 || first > 57 || isWordCode(codeAt(text, plus - 1))) continue;
    let i = plus + 1;
    let digits = 0;
    let groups = 1;
    let firstGroup = 0;
    let lastDigitEnd = i;
    let parens = false;
    while (i < text.length && digits <= 15) {
      const c = text.charCodeAt(i);
      if (isDigitCode(c)) {
        digits++;
        if (groups === 1) firstGroup++;
        i++;
        lastDigitEnd = i;
        continue;
      }
      // One separator between groups, optionally around a parenthesised area code: "+44 (20) 7946 0958".
      let j = i;
      if (isPhoneSep(text.charCodeAt(j))) j++;
      if (!parens && codeAt(text, j) === 40) {
        parens = true;
        j++;
      } else if (parens && text.charCodeAt(i) === 41) {
        j = i + 1;
        if (isPhoneSep(codeAt(text, j))) j++;
      }
      if (j === i || !isDigitCode(codeAt(text, j))) break;
      groups++;
      i = j;
    }
    from = lastDigitEnd;
    if (digits < 8 || digits > 15) continue;
    if (groups === 1 && digits < 10) continue;
    const cc = text.charCodeAt(plus + 1);
    if (groups > 1 && (firstGroup > 3 || ((cc === 49 || cc === 55) && firstGroup !== 1))) continue;
    const next = codeAt(text, lastDigitEnd);
    if (isWordCode(next) || ((next === 46 || next === 45) && isDigitCode(codeAt(text, lastDigitEnd + 1)))) {
      continue;
    }
    sink.add(plus, lastDigitEnd);
  }
}

const phone: BuiltinRule = {
  name: 'phone',
  category: 'pii',
  description:
    'phone numbers in a phone shape: +CC international (E.164) and North American numbers with separators',
  mayMatch: () => true,
  find: (text, sink) => {
    findNanp(text, sink);
    if (text.includes('+')) findInternational(text, sink);
  },
};

/** The PII rules in priority order. */
export const PII_RULES: readonly BuiltinRule[] = [email, iban, creditCard, ssn, phone];
