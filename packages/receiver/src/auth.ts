import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of the token: what the receiver keeps and compares, never the token itself. */
export function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Accepts `Bearer <token>`, or Basic auth whose password is the token (for clients that only offer
 * basic auth). Compares SHA-256 digests in constant time so neither length nor content leaks.
 */
export function checkAuth(header: string | undefined, expected: Buffer): boolean {
  if (header === undefined) return false;
  const space = header.indexOf(' ');
  if (space === -1) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  let token: string;
  if (scheme === 'bearer') {
    token = value;
  } else if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return false;
    token = decoded.slice(colon + 1);
  } else {
    return false;
  }
  return timingSafeEqual(digest(token), expected);
}
