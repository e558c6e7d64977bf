import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from './errors.js';

const SESSION = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** `logtap-forwarder-` + session must be a container name (a DNS-1123 label of at most 63 characters). */
export const MAX_SESSION_LENGTH = 63 - 'logtap-forwarder-'.length;

/** A new session id: `lt-` + 16 hex characters (64 random bits). `random` is injectable for tests. */
export function generateSessionId(random: (n: number) => Uint8Array = randomBytes): string {
  return `lt-${Buffer.from(random(8)).toString('hex')}`;
}

/** Checks a user-given session id; returns it. */
export function validateSessionId(id: string): string {
  if (!SESSION.test(id) || id.length > MAX_SESSION_LENGTH) {
    throw new InvalidOptionError(
      '--session',
      id,
      `use lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${MAX_SESSION_LENGTH} characters`,
    );
  }
  return id;
}
