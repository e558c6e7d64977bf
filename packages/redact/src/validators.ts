/**
 * Checksums and plausibility checks that keep the pattern rules precise. Pure functions over strings;
 * inputs are the matched text (separators allowed where noted).
 */

/** True when `digits` (ASCII digits only, at least 2) passes the Luhn (mod 10) checksum. */
export function luhnValid(digits: string): boolean {
  const n = digits.length;
  if (n < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = n - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN length per ISO 3166 country code (SWIFT IBAN registry, plus the partial-IBAN countries). */
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  (
    'AD24 AE23 AL28 AO25 AT20 AZ28 BA20 BE16 BF28 BG22 BH22 BI27 BJ28 BR29 BY28 CF27 CG27 CH21 CI28 CM27 ' +
    'CR22 CV25 CY28 CZ24 DE22 DJ27 DK18 DO28 DZ26 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GA27 GB22 GE22 GI23 ' +
    'GL18 GQ27 GR27 GT28 GW25 HN28 HR21 HU28 IE22 IL23 IQ23 IR26 IS26 IT27 JO30 KM27 KW30 KZ20 LB28 LC32 ' +
    'LI21 LT20 LU20 LV21 LY25 MA28 MC27 MD24 ME22 MG27 MK19 ML28 MN20 MR27 MT31 MU30 MZ25 NE28 NI28 NL18 ' +
    'NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SN28 SO23 ST25 ' +
    'SV28 TD27 TG28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30 '
  )
    .trim()
    .split(' ')
    .map((e) => [e.slice(0, 2), Number(e.slice(2))] as const),
);

/** The registered IBAN length for a two-letter country code, or undefined when it has no IBAN. */
export function ibanLength(country: string): number | undefined {
  return IBAN_LENGTHS.get(country);
}

/**
 * True when `value` is a valid IBAN: known country, the registered length and the ISO 7064 mod-97-10
 * check. Spaces are ignored; letters must be upper case (the printed form).
 */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/[ \u00a0]/g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const expected = IBAN_LENGTHS.get(iban.slice(0, 2));
  if (expected !== iban.length) return false;
  const c2 = iban.charCodeAt(2);
  const c3 = iban.charCodeAt(3);
  if (c2 < 48 || c2 > 57 || c3 < 48 || c3 > 57) return false;
  // Move the first four characters to the end, letters become 10..35, then mod 97 digit by digit so the
  // number never leaves the safe integer range.
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** [lowest prefix, highest prefix, min length, max length]; prefixes compared on their own digit count. */
type IssuerRange = readonly [lo: number, hi: number, minLen: number, maxLen: number];

// Issuer identification ranges of the card networks still in use (Visa, Mastercard, Amex, Discover,
// Diners, JCB, UnionPay, Maestro, Mir, RuPay, Troy, Verve). Sources: the networks' published IIN tables
// as summarised by ISO/IEC 7812 references. Lengths outside a network's range do not count.
const ISSUERS: readonly IssuerRange[] = [
  [4, 4, 13, 19], // Visa (13, 16, 19 in practice; 14/15/17/18 are rejected below)
  [51, 55, 16, 16], // Mastercard
  [2221, 2720, 16, 16], // Mastercard 2-series
  [34, 34, 15, 15], // American Express
  [37, 37, 15, 15],
  [6011, 6011, 16, 19], // Discover
  [644, 649, 16, 19],
  [65, 65, 16, 19],
  [300, 305, 14, 19], // Diners Club
  [3095, 3095, 14, 19],
  [36, 36, 14, 19],
  [38, 39, 14, 19],
  [3528, 3589, 16, 19], // JCB
  [62, 62, 16, 19], // UnionPay
  [81, 82, 16, 16], // UnionPay / RuPay
  [50, 50, 13, 19], // Maestro
  [56, 58, 13, 19],
  [60, 60, 16, 19], // RuPay / Maestro
  [63, 63, 16, 19], // Maestro / InstaPayment
  [67, 67, 13, 19], // Maestro
  [2200, 2204, 16, 19], // Mir
  [9792, 9792, 16, 16], // Troy
];

/** True when `digits` starts with a card network's issuer prefix and has a length that network issues. */
export function cardIssuerPlausible(digits: string): boolean {
  const len = digits.length;
  if (len < 13 || len > 19) return false;
  for (const [lo, hi, minLen, maxLen] of ISSUERS) {
    if (len < minLen || len > maxLen) continue;
    const width = String(lo).length;
    const prefix = Number(digits.slice(0, width));
    if (prefix >= lo && prefix <= hi) {
      // Visa issues 13, 16 and 19 digits only.
      if (lo === 4 && len !== 13 && len !== 16 && len !== 19) continue;
      return true;
    }
  }
  return false;
}

/**
 * True when the separated groups of a card candidate follow a printed card layout: 4-4-4-4(-1..3),
 * 4-6-5 (Amex) or 4-6-4 (Diners), with one separator character used throughout.
 */
export function cardGroupsPlausible(groups: readonly string[]): boolean {
  const sizes = groups.map((g) => g.length);
  if (sizes.length === 3 && sizes[0] === 4 && sizes[1] === 6 && (sizes[2] === 5 || sizes[2] === 4)) {
    return true;
  }
  if (sizes.length < 4) return false;
  for (let i = 0; i < sizes.length - 1; i++) if (sizes[i] !== 4) return false;
  const last = sizes[sizes.length - 1]!;
  return last >= 1 && last <= 4;
}

/** True when `area-group-serial` is a number the SSA could have issued (no 000/666/9xx, 00, 0000). */
export function ssnPlausible(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area.charCodeAt(0) === 57 /* 9xx */) return false;
  if (group === '00' || serial === '0000') return false;
  return true;
}

/**
 * True when `b64` decodes (standard base64) to printable ASCII that contains a ':' separating a
 * non-empty user from a password, which is what an HTTP Basic credential is.
 */
export function basicCredentialPlausible(b64: string): boolean {
  if (b64.length < 8 || b64.length % 4 !== 0) return false;
  const decoded = Buffer.from(b64, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return false;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/** Counts of the character classes in `s`: lower case, upper case, digits. */
export function charClasses(s: string): { lower: boolean; upper: boolean; digit: boolean } {
  let lower = false;
  let upper = false;
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
  }
  return { lower, upper, digit };
}
