import { createHmac } from 'node:crypto';

/**
 * Keyed hashes of redacted values: HMAC-SHA256(key, rule NUL value), hex, truncated. Equal values under
 * the same rule and key give equal tags, so "the same user" stays visible across lines without the value
 * being recoverable (a plain hash of an email or IP can be brute-forced; an HMAC with a per-capture
 * secret cannot).
 */
export class KeyedHasher {
  readonly #key: Buffer;
  readonly #length: number;
  // Logs repeat the same values (a client IP on every line); the cache skips recomputing the HMAC.
  // Cleared when full rather than LRU-ordered: cheaper and good enough for repeated values.
  readonly #cache = new Map<string, string>();
  readonly #max: number;

  constructor(key: Uint8Array, length: number, cacheSize = 8192) {
    this.#key = Buffer.from(key);
    this.#length = length;
    this.#max = cacheSize;
  }

  tag(rule: string, value: string): string {
    const k = `${rule}\0${value}`;
    const hit = this.#cache.get(k);
    if (hit !== undefined) return hit;
    const tag = createHmac('sha256', this.#key).update(k, 'utf8').digest('hex').slice(0, this.#length);
    // Long values (key blocks, JWTs) rarely repeat and would make the cache large: not cached.
    if (k.length > 256) return tag;
    if (this.#cache.size >= this.#max) this.#cache.clear();
    this.#cache.set(k, tag);
    return tag;
  }
}
