import { type BuiltinRule, eachMatch } from './types.js';

// --- private keys -------------------------------------------------------------------------------------

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;

/**
 * Index just after the first private key END marker at or after `from`, or -1. Used by the line stream
 * to finish a key block that started on an earlier line.
 */
export function privateKeyEnd(text: string, from = 0): number {
  PEM_END.lastIndex = from;
  const m = PEM_END.exec(text);
  return m === null ? -1 : m.index + m[0].length;
}

/** True when `text` opens a private key block that it does not close (the key continues on later lines). */
export function privateKeyUnterminated(text: string): boolean {
  if (!text.includes('PRIVATE KEY')) return false;
  let open = false;
  eachMatch(PEM_BEGIN, text, (m) => {
    const end = privateKeyEnd(text, m.index + m[0].length);
    open = end < 0;
    return end < 0 ? text.length : end;
  });
  return open;
}

export const privateKey: BuiltinRule = {
  name: 'private_key',
  category: 'secrets',
  description: 'PEM private key blocks (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP), header to footer',
  mayMatch: (text) => text.includes('PRIVATE KEY'),
  find: (text, sink) =>
    eachMatch(PEM_BEGIN, text, (m) => {
      // No END marker: the key was cut (or continues on the next line), so redact to the end of text.
      const end = privateKeyEnd(text, m.index + m[0].length);
      const stop = end < 0 ? text.length : end;
      sink.add(m.index, stop);
      return stop;
    }),
};
