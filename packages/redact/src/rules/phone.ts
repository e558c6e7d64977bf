import { ssnPlausible } from '../validators.js';
import { type BuiltinRule, codeAt, eachMatch, isDigitCode, isWordCode, type SpanSink } from './types.js';

// --- US SSN -------------------------------------------------------------------------------------------

const SSN = /(\d\d\d)-(\d\d)-(\d\d\d\d)/g; // single \d's: see CARD_SEED in cards.ts

export const ssn: BuiltinRule = {
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

export const phone: BuiltinRule = {
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
