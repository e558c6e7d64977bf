import { basicCredentialPlausible, charClasses } from '../validators.js';
import { type BuiltinRule, codeAt, eachMatch, isAlnumCode, isPlaceholder, literalTest } from './types.js';

// --- credentials in URLs ------------------------------------------------------------------------------

function isSchemeCode(c: number): boolean {
  return isAlnumCode(c) || c === 43 || c === 45 || c === 46; // + - .
}

/** Characters that end a URL authority (or the string holding it): whitespace, / ? # quotes, brackets. */
function endsAuthority(c: number): boolean {
  return (
    c <= 32 ||
    c === 47 || // /
    c === 63 || // ?
    c === 35 || // #
    c === 34 || // "
    c === 39 || // '
    c === 60 || // <
    c === 62 || // >
    c === 96 || // `
    c === 92 // \ (an escaped quote in JSON)
  );
}

export const urlCredentials: BuiltinRule = {
  name: 'url_credentials',
  category: 'secrets',
  description: 'user:password in URLs (scheme://user:pass@host); the whole userinfo is replaced',
  mayMatch: (text) => text.includes('://'),
  find: (text, sink) => {
    let from = 0;
    for (;;) {
      const sep = text.indexOf('://', from);
      if (sep < 0) return;
      from = sep + 3;
      let s = sep;
      while (s > 0 && isSchemeCode(text.charCodeAt(s - 1))) s--;
      if (sep - s < 2) continue;
      let end = from;
      let at = -1;
      while (end < text.length) {
        const c = text.charCodeAt(end);
        if (endsAuthority(c)) break;
        if (c === 64) at = end; // the last '@' ends the userinfo (passwords with a raw '@' happen)
        end++;
      }
      if (at < 0) continue;
      const colon = text.indexOf(':', from);
      if (colon < 0 || colon >= at) continue;
      const password = text.slice(colon + 1, at);
      if (password.length === 0 || isPlaceholder(password)) continue;
      sink.add(from, at);
      from = at + 1;
    }
  },
};

// --- HTTP authorization -------------------------------------------------------------------------------

/** True for a string that looks like a credential rather than a word: long, with digits or mixed classes. */
export function looksLikeToken(s: string): boolean {
  if (s.length < 8 || isPlaceholder(s)) return false;
  const k = charClasses(s);
  if (k.digit) return true;
  if (s.length < 16) return false;
  return (k.lower && k.upper) || /[._~+/=-]/.test(s);
}

const BASIC = /basic\s+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/gi;

export const basicAuth: BuiltinRule = {
  name: 'basic_auth',
  category: 'secrets',
  description: 'HTTP Basic credentials ("Basic <base64>" that decodes to user:password)',
  mayMatch: literalTest(['asic', 'ASIC']),
  find: (text, sink) =>
    eachMatch(BASIC, text, (m) => {
      const value = m[1]!;
      if (isAlnumCode(codeAt(text, m.index - 1)) || !basicCredentialPlausible(value)) return undefined;
      const end = m.index + m[0].length;
      sink.add(end - value.length, end);
      return undefined;
    }),
};

const BEARER = /bearer\s+([A-Za-z0-9._~+/=-]+)/gi;
const AUTH_HEADER =
  /authorization\\?["']?\s*[:=]\s*\\?["']?(?:([A-Za-z][A-Za-z0-9_-]*)\s+)?([A-Za-z0-9._~+/=:-]+)/dgi;
const AUTH_SCHEMES = new Set([
  'bearer',
  'basic',
  'token',
  'negotiate',
  'ntlm',
  'hoba',
  'mutual',
  'dpop',
  'jwt',
  'oauth',
  'apikey',
  'api-key',
  'key',
  'sso-key',
  'aws4-hmac-sha256',
]);

export const bearer: BuiltinRule = {
  name: 'bearer',
  category: 'secrets',
  description: 'Bearer tokens ("Bearer <token>") and the credentials of Authorization headers (any scheme)',
  mayMatch: literalTest(['earer', 'EARER', 'uthorization', 'UTHORIZATION']),
  find: (text, sink) => {
    eachMatch(AUTH_HEADER, text, (m) => {
      const scheme = m[1]?.toLowerCase();
      const credential = m[2]!;
      const end = m.index + m[0].length;
      // Basic credentials are basic_auth's when they decode to user:password; anything else in an
      // Authorization header (an API key sent as "Basic xyz") is still a credential.
      if (isPlaceholder(credential)) return undefined;
      if (
        scheme === undefined &&
        (AUTH_SCHEMES.has(credential.toLowerCase()) || credential.toLowerCase() === 'basic')
      ) {
        return undefined;
      }
      // A known scheme makes the context certain; otherwise the value must look like a credential
      // ("authorization: failed for user" is prose, not a header).
      if (scheme !== undefined && !AUTH_SCHEMES.has(scheme)) {
        if (!looksLikeToken(m[1]!)) return undefined;
        sink.add(m.indices![1]![0], end);
        return undefined;
      }
      if (scheme === undefined && !looksLikeToken(credential)) return undefined;
      sink.add(end - credential.length, end);
      return undefined;
    });
    eachMatch(BEARER, text, (m) => {
      const token = m[1]!;
      if (isAlnumCode(codeAt(text, m.index - 1)) || !looksLikeToken(token)) return undefined;
      const end = m.index + m[0].length;
      sink.add(end - token.length, end);
      return undefined;
    });
  },
};
