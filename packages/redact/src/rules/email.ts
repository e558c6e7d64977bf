import { type BuiltinRule, isAlnumCode, type SpanSink } from './types.js';

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

export const email: BuiltinRule = {
  name: 'email',
  category: 'pii',
  description: 'email addresses (also %40-encoded in URLs); file names like logo@2x.png are not addresses',
  mayMatch: (text) => text.includes('@') || text.includes('%40'),
  find: (text, sink) => {
    findEmailsAt(text, sink, '@');
    if (text.includes('%40')) findEmailsAt(text, sink, '%40');
  },
};
