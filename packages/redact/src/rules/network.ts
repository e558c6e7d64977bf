import { isIPv6 } from 'node:net';
import {
  type BuiltinRule,
  codeAt,
  eachMatch,
  isDigitCode,
  isHexCode,
  isWordCode,
  type SpanSink,
} from './types.js';

// --- IPv4 ---------------------------------------------------------------------------------------------

// Seed: a digit, a dot and a digit (fixed characters, so V8 scans fast); the dotted run around it is
// then parsed by hand. A run of exactly four numbers 0-255 is an address; 3 or 5+ parts (dates, OIDs,
// versions like 1.2.3.4.5) and parts over 255 (timestamps like 15.42.50.675872) are not.
const IPV4_SEED = /\d\.\d/g;
const VERSION_BEFORE = /\b(?:version|ver|release|build|v)[\s:=]*$/i;

function isLetterCode(c: number): boolean {
  return (c | 32) >= 97 && (c | 32) <= 122;
}

/**
 * `Chrome/120.0.0.0`, `Edg/120.0.0.0`: reduced user-agent versions are `<product>/<major>.0.0.0`. A
 * name and '/' before a real address stays an address: Java prints `msra-sa-41/10.190.173.170`, and
 * ZooKeeper `0.0.0.0/0.0.0.0:2181`.
 */
function productVersion(text: string, start: number, end: number): boolean {
  return (
    codeAt(text, start - 1) === 47 && isLetterCode(codeAt(text, start - 2)) && text.endsWith('.0.0.0', end)
  );
}

/** `version 1.2.3.4`, `ver=1.2.3.4`, `release: 1.2.3.4`: a version, not an address. */
function afterVersionWord(text: string, start: number): boolean {
  // Cheap check first: the word before must end in n (version), r (ver), e (release), d (build) or v.
  let j = start - 1;
  while (j >= 0 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 58 || text.charCodeAt(j) === 61)) j--;
  const c = codeAt(text, j) | 32;
  if (c !== 110 && c !== 114 && c !== 101 && c !== 100 && c !== 118) return false;
  return VERSION_BEFORE.test(text.slice(Math.max(0, start - 12), start));
}

function isDottedCode(c: number): boolean {
  return isDigitCode(c) || c === 46;
}

/** Four dot-separated numbers 0-255 of at most three digits each, exactly filling [start, end). */
function dottedQuad(text: string, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else {
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    }
  }
  return parts === 4;
}

export const ipv4: BuiltinRule = {
  name: 'ipv4',
  category: 'network',
  description:
    'IPv4 addresses (dotted quad, octets 0-255) that are not part of a longer dotted number, version or timestamp',
  mayMatch: (text) => text.includes('.'),
  find: (text, sink) =>
    eachMatch(IPV4_SEED, text, (m) => {
      let start = m.index;
      let end = m.index + 3;
      while (start > 0 && isDottedCode(text.charCodeAt(start - 1))) start--;
      while (end < text.length && isDottedCode(text.charCodeAt(end))) end++;
      const runEnd = end;
      if (text.charCodeAt(end - 1) === 46) end--; // a sentence-ending dot
      if (isWordCode(codeAt(text, start - 1)) || isWordCode(codeAt(text, runEnd))) return runEnd;
      if (!dottedQuad(text, start, end)) return runEnd;
      if (afterVersionWord(text, start) || productVersion(text, start, end)) return runEnd;
      sink.add(start, end);
      return runEnd;
    }),
};

// --- IPv6 ---------------------------------------------------------------------------------------------

// Candidate at the start of a run of hex digits, colons and dots: hex groups joined by colons (with '::'
// compression), an optional embedded IPv4 tail and zone id. node:net's isIPv6 decides; the regex only
// finds the extent. Sticky, and tried only where a run holding a ':' starts (not at every hex digit).
const IPV6_CANDIDATE =
  /(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,8}(?:\.\d{1,3}){0,3}(?:%[0-9A-Za-z._-]{1,16})?/y;

function isV6RunCode(c: number): boolean {
  return isHexCode(c) || c === 58 || c === 46;
}

function colonCountAtLeast(text: string, n: number): boolean {
  let i = text.indexOf(':');
  let count = 0;
  while (i >= 0) {
    if (++count >= n) return true;
    i = text.indexOf(':', i + 1);
  }
  return false;
}

/** True when a ':' + 1-4 hex digits + non-word follows `end`: the hex-colon sequence goes on (an id). */
function continuesHexColon(text: string, end: number): boolean {
  if (codeAt(text, end) !== 58) return false;
  let i = end + 1;
  while (i - end <= 4 && isHexCode(codeAt(text, i))) i++;
  return i > end + 1 && !isWordCode(codeAt(text, i));
}

function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isDigitCode(s.charCodeAt(i))) return true;
  return false;
}

/** Length of the IPv6 address at the start of `cand`, or 0. Handles Java's `0:0:0:0:0:0:0:1:8080`. */
function ipv6Length(cand: string): number {
  const zone = cand.indexOf('%');
  const addr = zone < 0 ? cand : cand.slice(0, zone);
  if (addr === '::' || !hasDigit(addr)) return 0;
  if (isIPv6(addr)) return cand.length;
  // InetSocketAddress prints an unbracketed full address followed by ':port'.
  const lastColon = addr.lastIndexOf(':');
  const port = addr.slice(lastColon + 1);
  if (
    zone < 0 &&
    /^\d{1,5}$/.test(port) &&
    addr.split(':').length === 9 &&
    isIPv6(addr.slice(0, lastColon))
  ) {
    return lastColon;
  }
  return 0;
}

export const ipv6: BuiltinRule = {
  name: 'ipv6',
  category: 'network',
  description: 'IPv6 addresses (full, compressed, IPv4-mapped, with zone ids), validated by node:net',
  mayMatch: (text) => text.includes('::') || colonCountAtLeast(text, 7),
  find: (text, sink) => {
    let colon = text.indexOf(':');
    while (colon >= 0) {
      let start = colon;
      while (start > 0 && isV6RunCode(text.charCodeAt(start - 1))) start--;
      let runEnd = colon + 1;
      while (runEnd < text.length && isV6RunCode(text.charCodeAt(runEnd))) runEnd++;
      IPV6_CANDIDATE.lastIndex = start;
      const m = IPV6_CANDIDATE.exec(text);
      if (m !== null) {
        const end = start + m[0].length;
        const prev = codeAt(text, start - 1);
        const glued = isWordCode(prev) || isWordCode(codeAt(text, end)) || continuesHexColon(text, end);
        const len = glued ? 0 : ipv6Length(m[0]);
        if (len > 0) sink.add(start, start + len);
        if (end > runEnd) runEnd = end;
      }
      colon = text.indexOf(':', runEnd);
    }
  },
};

// --- MAC ----------------------------------------------------------------------------------------------

/**
 * Six hex pairs joined by `sep` starting at `s` (17 characters). Separators are compared first: most
 * colons in logs belong to times ("18:01:47"), which fail at the third separator without a hex check.
 */
function macAt(text: string, s: number, sep: number): boolean {
  if (s < 0 || s + 17 > text.length) return false;
  for (let k = 2; k < 17; k += 3) if (text.charCodeAt(s + k) !== sep) return false;
  for (let k = 0; k < 17; k++) if (k % 3 !== 2 && !isHexCode(text.charCodeAt(s + k))) return false;
  return true;
}

/** Cisco's three dot-joined groups of four hex digits starting at `s` (14 characters). */
function ciscoMacAt(text: string, s: number): boolean {
  if (s < 0 || s + 14 > text.length) return false;
  if (text.charCodeAt(s + 4) !== 46 || text.charCodeAt(s + 9) !== 46) return false;
  for (let k = 0; k < 14; k++) if (k !== 4 && k !== 9 && !isHexCode(text.charCodeAt(s + k))) return false;
  return true;
}

/** Not glued to a longer id: no word character or separator+hex on either side. */
function macBounded(text: string, start: number, end: number): boolean {
  const prev = codeAt(text, start - 1);
  if (isWordCode(prev) || prev === 58 || prev === 45 || prev === 46) return false;
  const next = codeAt(text, end);
  if (isWordCode(next)) return false;
  return !((next === 58 || next === 45 || next === 46) && isHexCode(codeAt(text, end + 1)));
}

// Found by hand from each separator (indexOf is much cheaper than a regex tried at every hex digit).
function findMacs(text: string, sink: SpanSink, sep: string): void {
  const code = sep.charCodeAt(0);
  const cisco = code === 46;
  const back = cisco ? 4 : 2;
  const width = cisco ? 14 : 17;
  let i = text.indexOf(sep);
  while (i >= 0) {
    const start = i - back;
    if (cisco ? ciscoMacAt(text, start) : macAt(text, start, code)) {
      const end = start + width;
      // Dash- or dot-separated digits are as often timestamps or versions as MACs: need a hex letter.
      if (macBounded(text, start, end) && (code === 58 || hasHexLetter(text, start, end)))
        sink.add(start, end);
      i = text.indexOf(sep, end);
    } else {
      i = text.indexOf(sep, i + 1);
    }
  }
}

function hasHexLetter(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c >= 97 && c <= 102) return true;
  }
  return false;
}

export const mac: BuiltinRule = {
  name: 'mac',
  category: 'network',
  description:
    'MAC addresses (aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff), exactly six octets, not inside longer hex ids',
  mayMatch: (text) => text.includes(':') || text.includes('-') || text.includes('.'),
  find: (text, sink) => {
    findMacs(text, sink, ':');
    findMacs(text, sink, '-');
    findMacs(text, sink, '.');
  },
};
