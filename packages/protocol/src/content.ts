/**
 * Content-Type parsing (Go mime.ParseMediaType rules, which Loki uses), Content-Encoding decoding with
 * size caps, and snappy block decoding with the declared length checked before any allocation.
 */
import { constants as bufferConstants } from 'node:buffer';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type ZstdBinding from 'zstd-napi/binding.js';
import {
  BadCompressionError,
  BadSnappyError,
  BodyTooLargeError,
  InvalidContentTypeError,
  SnappyFramedError,
  UnsupportedEncodingError,
} from './errors.js';
import { snappyHeader, snappyUncompressInto } from './snappy.js';

/** tspecials of RFC 2045 plus controls, space and non-ASCII: what a token may not contain (Go isTokenChar). */
function isTokenChar(c: number): boolean {
  if (c <= 0x20 || c >= 0x7f) return false;
  // ()<>@,;:\"/[]?=
  return !(
    c === 0x28 ||
    c === 0x29 ||
    c === 0x3c ||
    c === 0x3e ||
    c === 0x40 ||
    c === 0x2c ||
    c === 0x3b ||
    c === 0x3a ||
    c === 0x5c ||
    c === 0x22 ||
    c === 0x2f ||
    c === 0x5b ||
    c === 0x5d ||
    c === 0x3f ||
    c === 0x3d
  );
}

function consumeToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c) i++;
    else break;
  }
  return i;
}

/**
 * The media type of a Content-Type value, lower-cased, validated like Go's `mime.ParseMediaType`
 * (`type/subtype` or a bare token, then `; name=value` parameters with token or quoted values).
 * @throws {InvalidContentTypeError} missing, empty or malformed.
 */
export function parseMediaType(contentType: string | undefined): string {
  if (contentType === undefined) throw new InvalidContentTypeError(undefined, 'missing');
  const semi = contentType.indexOf(';');
  const base = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (base === '') throw new InvalidContentTypeError(contentType, 'no media type');
  let i = consumeToken(base, 0);
  if (i === 0)
    throw new InvalidContentTypeError(contentType, 'expected token after the start of the media type');
  if (i < base.length) {
    if (base.charCodeAt(i) !== 0x2f)
      throw new InvalidContentTypeError(contentType, 'expected slash after first token');
    const sub = consumeToken(base, i + 1);
    if (sub === i + 1) throw new InvalidContentTypeError(contentType, 'expected token after slash');
    if (sub !== base.length)
      throw new InvalidContentTypeError(contentType, 'unexpected content after media subtype');
    i = sub;
  }
  if (semi >= 0) checkParams(contentType, semi);
  return base;
}

/** Validates `; name=value` parameters (Go: "mime: invalid media parameter", duplicate names). */
function checkParams(full: string, from: number): void {
  const seen = new Set<string>();
  let i = from;
  for (;;) {
    i = skipSpace(full, i);
    if (i >= full.length) return;
    if (full.charCodeAt(i) !== 0x3b) throw new InvalidContentTypeError(full, 'invalid media parameter');
    const semicolonAt = i;
    i = skipSpace(full, i + 1);
    const nameEnd = consumeToken(full, i);
    if (nameEnd === i) {
      // Go ignores trailing semicolons ("text/plain;"), nothing else.
      if (full.slice(semicolonAt).trim() === ';') return;
      throw new InvalidContentTypeError(full, 'invalid media parameter');
    }
    const name = full.slice(i, nameEnd).toLowerCase();
    i = skipSpace(full, nameEnd);
    if (full.charCodeAt(i) !== 0x3d) throw new InvalidContentTypeError(full, 'invalid media parameter');
    i = skipSpace(full, i + 1);
    if (full.charCodeAt(i) === 0x22) {
      i++;
      for (;;) {
        if (i >= full.length) throw new InvalidContentTypeError(full, 'invalid media parameter');
        const c = full.charCodeAt(i);
        if (c === 0x22) {
          i++;
          break;
        }
        i += c === 0x5c ? 2 : 1;
      }
    } else {
      const valueEnd = consumeToken(full, i);
      if (valueEnd === i) throw new InvalidContentTypeError(full, 'invalid media parameter');
      i = valueEnd;
    }
    if (seen.has(name))
      throw new InvalidContentTypeError(full, `duplicate parameter name ${JSON.stringify(name)}`);
    seen.add(name);
  }
}

/** Content codings the decoders understand. `identity` means the body is as is. */
// zstd-napi is a native addon only OTLP bodies with Content-Encoding: zstd need: loaded on first use, so
// importing the protocol (the forwarder image, the CLI's --help) never loads or requires it.
const require = createRequire(import.meta.url);
let zstdBinding: typeof ZstdBinding | undefined;
function loadZstd(): typeof ZstdBinding {
  zstdBinding ??= require('zstd-napi/binding.js') as typeof ZstdBinding;
  return zstdBinding;
}

export type Coding = 'identity' | 'gzip' | 'deflate' | 'snappy' | 'zstd';

/**
 * Normalises a Content-Encoding header: case-insensitive, `x-gzip` = `gzip`, `identity` and empty mean
 * none, a list with `identity` entries reduces to the one real coding.
 * @throws {UnsupportedEncodingError} anything else, or more than one real coding.
 */
export function parseContentEncoding(value: string | undefined, allowed: readonly Coding[]): Coding {
  if (value === undefined) return 'identity';
  let found: Coding = 'identity';
  for (const raw of value.split(',')) {
    let v = raw.trim().toLowerCase();
    if (v === '' || v === 'identity' || v === 'none') continue;
    if (v === 'x-gzip') v = 'gzip';
    if (found !== 'identity' || !(allowed as readonly string[]).includes(v)) {
      throw new UnsupportedEncodingError(
        value.trim(),
        allowed.filter((c) => c !== 'identity'),
      );
    }
    found = v as Coding;
  }
  return found;
}

/** Turns a user limit into a byte cap: 0, negative, Infinity or NaN mean "no limit" (bounded by the platform). */
export function effectiveLimit(limit: number | undefined, fallback: number): number {
  const v = limit === undefined ? fallback : limit;
  if (!(v > 0) || !Number.isFinite(v)) return Number.POSITIVE_INFINITY;
  return Math.floor(v);
}

/** Largest Buffer Node can allocate; zlib's maxOutputLength may not exceed it. */
const MAX_BUFFER = bufferConstants.MAX_LENGTH;

function isZlibHeader(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  const b0 = b[0]!;
  const b1 = b[1]!;
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

function zlibFailure(encoding: string, err: unknown, limit: number): never {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
    throw new BodyTooLargeError('decompressed', limit, undefined);
  }
  const msg = err instanceof Error ? err.message : String(err);
  throw new BadCompressionError(encoding, msg, { cause: err });
}

/**
 * Applies a Content-Encoding with the decompressed-size cap enforced inside zlib (maxOutputLength stops
 * inflating at the cap, so a bomb never allocates past it). `deflate` is raw DEFLATE as in Loki; a
 * zlib-wrapped body (RFC 1950 header) is accepted too.
 * @throws {BodyTooLargeError} over the cap. @throws {BadCompressionError} corrupt data.
 */
export function decodeContent(body: Uint8Array, coding: Coding, maxDecompressed: number): Uint8Array {
  if (coding === 'identity' || coding === 'snappy') {
    if (body.length > maxDecompressed)
      throw new BodyTooLargeError('decompressed', maxDecompressed, body.length);
    return body;
  }
  const cap = Math.min(maxDecompressed, MAX_BUFFER);
  if (coding === 'zstd') return decodeZstd(body, maxDecompressed);
  if (coding === 'gzip') {
    if (body.length < 10 || body[0] !== 0x1f || body[1] !== 0x8b) {
      throw new BadCompressionError('gzip', 'missing gzip header (1f 8b)');
    }
    try {
      return zlib.gunzipSync(body, { maxOutputLength: cap });
    } catch (err) {
      zlibFailure('gzip', err, maxDecompressed);
    }
  }
  if (body.length === 0) throw new BadCompressionError('deflate', 'empty body');
  if (isZlibHeader(body)) {
    try {
      return zlib.inflateSync(body, { maxOutputLength: cap });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        zlibFailure('deflate', err, maxDecompressed);
      // Not zlib after all: a raw stream whose first two bytes happen to look like a zlib header.
    }
  }
  try {
    return zlib.inflateRawSync(body, { maxOutputLength: cap });
  } catch (err) {
    zlibFailure('deflate', err, maxDecompressed);
  }
}

const ZSTD_CHUNK = 256 * 1024;

/**
 * zstd (OTLP collectors may send it) through ZSTD_decompressStream into bounded chunks, so the cap holds
 * even when a frame does not declare its size; concatenated frames are accepted, as by the zstd tool.
 */
function decodeZstd(body: Uint8Array, maxDecompressed: number): Uint8Array {
  if (body.length === 0) throw new BadCompressionError('zstd', 'empty body');
  const dctx = new (loadZstd().DCtx)();
  const chunks: Buffer[] = [];
  let total = 0;
  let src = body;
  for (;;) {
    const dst = Buffer.allocUnsafe(Math.min(ZSTD_CHUNK, Math.max(maxDecompressed - total, 0) + 1));
    let result: [number, number, number];
    try {
      result = dctx.decompressStream(dst, src);
    } catch (err) {
      throw new BadCompressionError('zstd', err instanceof Error ? err.message : String(err), { cause: err });
    }
    const [remaining, produced, consumed] = result;
    total += produced;
    if (total > maxDecompressed) throw new BodyTooLargeError('decompressed', maxDecompressed, undefined);
    if (produced > 0) chunks.push(dst.subarray(0, produced));
    src = src.subarray(consumed);
    if (remaining === 0 && src.length === 0) break;
    if (produced === 0 && consumed === 0) {
      if (src.length === 0) throw new BadCompressionError('zstd', 'truncated frame');
      // No progress with input left: the stream is stuck on garbage.
      throw new BadCompressionError('zstd', 'no progress decoding the frame');
    }
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

const FRAMED_MAGIC = [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59];

function looksFramed(b: Uint8Array): boolean {
  if (b.length < FRAMED_MAGIC.length) return false;
  for (let k = 0; k < FRAMED_MAGIC.length; k++) if (b[k] !== FRAMED_MAGIC[k]) return false;
  return true;
}

/** A hint for operators when a "snappy" body is something else. */
function sniff(b: Uint8Array): string {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    return ' (the body is gzip data: set Content-Encoding: gzip, or compress the protobuf with snappy instead)';
  }
  let k = 0;
  while (k < b.length && (b[k] === 0x20 || b[k] === 0x0a || b[k] === 0x0d || b[k] === 0x09)) k++;
  if (b[k] === 0x7b || b[k] === 0x5b)
    return ' (the body looks like JSON: set Content-Type: application/json)';
  if (b[0] === 0x0a) {
    return ' (the body looks like uncompressed protobuf: Loki requires it snappy block-compressed)';
  }
  return '';
}

/**
 * Decodes a snappy block. The declared length is read and checked against the cap before decoding, so a
 * body claiming gigabytes never allocates them; the framed format is refused as Loki does. The result
 * may be a view of a reused scratch buffer (see snappy.ts): valid until the next call.
 * @throws {SnappyFramedError} @throws {BodyTooLargeError} @throws {BadSnappyError}
 */
export function decodeSnappyBlock(body: Uint8Array, maxDecompressed: number): Uint8Array {
  if (body.length === 0) throw new BadSnappyError('empty body');
  if (looksFramed(body)) throw new SnappyFramedError();
  try {
    const [declared, headerBytes] = snappyHeader(body);
    if (declared > maxDecompressed) throw new BodyTooLargeError('decompressed', maxDecompressed, declared);
    if (declared > MAX_BUFFER) throw new BodyTooLargeError('decompressed', MAX_BUFFER, declared);
    // The densest element is a 3-byte copy producing 64 bytes, so a block expands at most ~21.3x; a
    // larger declared length is corrupt, and refusing it early avoids allocating it.
    if (declared > (body.length * 64) / 3 + 64) {
      throw new BadSnappyError(`declared length ${declared} is impossible for a ${body.length}-byte block`);
    }
    return snappyUncompressInto(body, headerBytes, declared);
  } catch (err) {
    if (err instanceof BadSnappyError) {
      const hint = sniff(body);
      if (hint !== '') throw new BadSnappyError(`${err.reason}${hint}`, { cause: err });
    }
    throw err;
  }
}

/** A Buffer view of the same memory (no copy). */
export function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
