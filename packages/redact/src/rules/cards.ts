import { cardGroupsPlausible, cardIssuerPlausible, ibanLength, ibanValid, luhnValid } from '../validators.js';
import {
  type BuiltinRule,
  codeAt,
  eachMatch,
  isAlnumCode,
  isDigitCode,
  isWordCode,
  type SpanSink,
} from './types.js';

// --- IBAN ---------------------------------------------------------------------------------------------

// Fixed single characters first: V8 builds its quick pre-check only from them (`[A-Z]{2}` disables it).
const IBAN_CANDIDATE = /[A-Z][A-Z]\d\d(?: ?[A-Z0-9]){11,32}/g;

export const iban: BuiltinRule = {
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

export const creditCard: BuiltinRule = {
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
