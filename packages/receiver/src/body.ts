import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { PushRejectedError } from './errors.js';

/**
 * Undoes a Content-Encoding for the routes the receiver decodes itself (/logtap/raw); the push routes
 * leave this to the protocol decoder. gzip, deflate (raw DEFLATE as Loki, or zlib-wrapped: sniffed)
 * and identity; the output is capped at `maxBytes` (413 past it), which defuses compression bombs.
 */
export function decodeContentEncoding(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const opts = { maxOutputLength: maxBytes };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, opts);
    if (enc === 'deflate') return isZlibHeader(body) ? inflateSync(body, opts) : inflateRawSync(body, opts);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PushRejectedError(
        `the body decompresses to more than ${maxBytes} bytes; send smaller batches or raise --max-body`,
        413,
        { cause },
      );
    }
    throw new PushRejectedError(`the body is not valid ${enc} data: ${(cause as Error).message}`, 400, {
      cause,
    });
  }
  throw new PushRejectedError(
    `Content-Encoding "${encoding}" is not supported here; use gzip, deflate or none`,
    415,
  );
}

/** A zlib (RFC 1950) stream starts with CMF/FLG where CMF's low nibble is 8 and CMF*256+FLG ≡ 0 mod 31. */
function isZlibHeader(body: Buffer): boolean {
  return body.length >= 2 && (body[0]! & 0x0f) === 8 && (body[0]! * 256 + body[1]!) % 31 === 0;
}
