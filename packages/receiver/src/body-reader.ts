import type { IncomingMessage } from 'node:http';
import type { BodyPool } from './body-pool.js';

/**
 * Reads push bodies within the per-body limit and a global budget of bytes held in memory at once
 * (bodies being read, and read but not yet decoded). A body counts toward the budget from its first
 * byte until `release`.
 */
export class BodyReader {
  readonly #maxBodyBytes: number;
  readonly #maxInflightBytes: number;
  /**
   * Request bodies are reused once decoded: only with the built-in decoders, which keep nothing of the
   * body (lines become strings or serialised bytes); a custom decoder might.
   */
  readonly #bodies: BodyPool | undefined;
  #inflightBytes = 0;

  constructor(maxBodyBytes: number, maxInflightBytes: number, bodies: BodyPool | undefined) {
    this.#maxBodyBytes = maxBodyBytes;
    this.#maxInflightBytes = maxInflightBytes;
    this.#bodies = bodies;
  }

  /**
   * Reads the request body within the size limit and the global in-flight budget. Resolves the body,
   * or a status: 413 (too large), 503 (budget exhausted) or 499 (client aborted).
   */
  read(req: IncomingMessage, declared: number): Promise<Buffer | number> {
    const max = this.#maxBodyBytes;
    return new Promise((resolve) => {
      // Known length: one allocation and a copy per chunk instead of a list and a concat.
      const sized = Number.isInteger(declared) && declared >= 0;
      const target = sized ? (this.#bodies?.acquire(declared) ?? Buffer.allocUnsafe(declared)) : undefined;
      const chunks: Buffer[] = [];
      let length = 0;
      let done = false;
      const finish = (result: Buffer | number): void => {
        if (done) return;
        done = true;
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onAbort);
        req.off('close', onClose);
        if (typeof result === 'number') {
          this.#inflightBytes -= length;
          if (target !== undefined) this.#bodies?.release(target);
        }
        resolve(result);
      };
      const onData = (chunk: Buffer): void => {
        if (length + chunk.length > max || (sized && length + chunk.length > declared)) {
          finish(413);
          return;
        }
        if (this.#inflightBytes + chunk.length > this.#maxInflightBytes && length > 0) {
          finish(503);
          return;
        }
        this.#inflightBytes += chunk.length;
        if (target !== undefined) chunk.copy(target, length);
        else chunks.push(chunk);
        length += chunk.length;
      };
      const onEnd = (): void => {
        if (target !== undefined) finish(length === declared ? target : target.subarray(0, length));
        else finish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
      };
      const onAbort = (): void => finish(499);
      // 'close' before 'end' means the client went away mid-body.
      const onClose = (): void => finish(499);
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onAbort);
      req.on('close', onClose);
    });
  }

  /**
   * A body read by `read` is done with: it leaves the in-flight budget and goes back to the pool. The
   * built-in decoders keep nothing of the body (strings are copies, columns point into their own scratch).
   */
  release(body: Buffer): void {
    this.#inflightBytes -= body.length;
    this.#bodies?.release(body);
  }
}
