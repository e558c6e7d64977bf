/**
 * decodePush: one entry point for every push wire format, dispatched like Loki's
 * `ParseLokiRequest` / `ParseOTLPRequest` (path → dialect, Content-Encoding first, then Content-Type).
 */
import { StreamCollector } from './collector.js';
import {
  type Coding,
  decodeContent,
  decodeSnappyBlock,
  effectiveLimit,
  parseContentEncoding,
  parseMediaType,
  toBuffer,
} from './content.js';
import { BodyTooLargeError, NoStreamsError, UnknownPathError, UnsupportedMediaTypeError } from './errors.js';
import { NeedLossless, parseJsonFast, parseJsonLossless, type Spans } from './json-lossless.js';
import { walkLokiJsonLegacy, walkLokiJsonV1 } from './loki-json.js';
import { decodeLokiProtobuf } from './loki-protobuf.js';
import { walkOtlpJson } from './otlp-json.js';
import { decodeOtlpProtobuf } from './otlp-protobuf.js';
import { utf8Slice } from './proto-reader.js';
import type { DecodedPush, DecodeLimits, DecodeOptions, PushFormat, PushRequestInput } from './types.js';

/** The defaults of {@link DecodeLimits}. */
export const DEFAULT_LIMITS = Object.freeze({
  maxCompressedBytes: 32 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
  maxEntries: 1_000_000,
  maxStreams: 100_000,
});

/** Which decoder a request path selects. */
export type PushRoute = 'loki-v1' | 'loki-legacy' | 'otlp';

/**
 * The push route of a request path (query string and one trailing slash ignored, case-insensitive; a
 * mount prefix is allowed): `…/loki/api/v1/push`, `…/api/prom/push`, `…/otlp/v1/logs` or `…/v1/logs`.
 * Returns undefined for anything else.
 */
export function pushRouteOf(path: string): PushRoute | undefined {
  let p = path;
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  p = p.toLowerCase();
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p.endsWith('/loki/api/v1/push')) return 'loki-v1';
  if (p.endsWith('/api/prom/push')) return 'loki-legacy';
  if (p.endsWith('/v1/logs')) return 'otlp';
  return undefined;
}

/** The push route of a request path; @throws {UnknownPathError} for any other path. */
export function requireRoute(path: string): PushRoute {
  const route = pushRouteOf(path);
  if (route === undefined) throw new UnknownPathError(path);
  return route;
}

/**
 * What every decode does once the route is known: the compressed-size check (413), the decompressed
 * limit, and a collector holding the entry and stream limits.
 * @throws {BodyTooLargeError}
 */
export function openRequest(
  body: Uint8Array,
  options: DecodeLimits,
): { maxDecompressed: number; out: StreamCollector } {
  const maxCompressed = effectiveLimit(options.maxCompressedBytes, DEFAULT_LIMITS.maxCompressedBytes);
  const maxDecompressed = effectiveLimit(options.maxDecompressedBytes, DEFAULT_LIMITS.maxDecompressedBytes);
  if (body.length > maxCompressed) throw new BodyTooLargeError('compressed', maxCompressed, body.length);
  const out = new StreamCollector(
    effectiveLimit(options.maxEntries, DEFAULT_LIMITS.maxEntries),
    effectiveLimit(options.maxStreams, DEFAULT_LIMITS.maxStreams),
  );
  return { maxDecompressed, out };
}

/** Content-Encodings of the Loki routes (snappy passes through: the body is a snappy block anyway). */
export const LOKI_CODINGS: readonly Coding[] = ['identity', 'gzip', 'deflate', 'snappy'];
const OTLP_CODINGS: readonly Coding[] = ['identity', 'gzip', 'deflate', 'zstd'];

const defaultNow = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** Node's string limit: a JSON body longer than this cannot become one string. */
const MAX_STRING = (1 << 29) - 24;

function bodyText(data: Uint8Array, limit: number): string {
  const buf = toBuffer(data);
  // A UTF-8 byte order mark is not JSON; strip it rather than fail (Go would fail, clients rarely send it).
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  if (buf.length - start > MAX_STRING)
    throw new BodyTooLargeError('decompressed', Math.min(limit, MAX_STRING), buf.length);
  return utf8Slice(buf, start, buf.length);
}

const JSON_HINT_SNAPPY =
  ' (Content-Encoding: snappy is passed through for JSON, as in Loki: a JSON body must not be snappy-compressed)';

/**
 * Decodes a push request (Loki protobuf + snappy, Loki JSON v1, legacy JSON, OTLP protobuf / JSON) into
 * normalised streams.
 *
 * - Path selects the dialect: `/loki/api/v1/push`, `/api/prom/push` (legacy JSON), `/otlp/v1/logs`.
 * - Loki paths: Content-Encoding `gzip`, `deflate` (raw, or zlib-wrapped), `snappy` (pass-through) or none;
 *   Content-Type `application/json` → JSON, any other valid media type → snappy block + protobuf, missing
 *   → 400.
 * - OTLP: `application/x-protobuf` or `application/json` (else 415); Content-Encoding gzip, deflate, zstd
 *   or none.
 * - Limits are enforced before and during decompression (413), see {@link DEFAULT_LIMITS}.
 * - Streams with equal label sets are merged; streams without entries are left out; a request with no
 *   stream at all is a 422.
 *
 * @throws {ProtocolError} every failure, with `code` and the `httpStatus` Loki answers.
 * @example
 * const push = decodePush({ body, path: req.url, contentType: req.headers['content-type'],
 *   contentEncoding: req.headers['content-encoding'] }, { maxDecompressedBytes: 16 << 20 });
 */
export function decodePush(input: PushRequestInput, options: DecodeOptions = {}): DecodedPush {
  const route = requireRoute(input.path);
  const body = input.body;
  const { maxDecompressed, out } = openRequest(body, options);
  let format: PushFormat;
  if (route === 'otlp') {
    let media: string;
    try {
      media = parseMediaType(input.contentType);
    } catch {
      throw new UnsupportedMediaTypeError(input.contentType ?? '');
    }
    if (
      media !== 'application/x-protobuf' &&
      media !== 'application/protobuf' &&
      media !== 'application/json'
    ) {
      throw new UnsupportedMediaTypeError(media);
    }
    const coding = parseContentEncoding(input.contentEncoding, OTLP_CODINGS);
    const data = decodeContent(body, coding, maxDecompressed);
    const style = options.otlpLabelStyle ?? 'logtap';
    const now = options.now ?? defaultNow;
    if (media === 'application/json') {
      format = 'otlp-json';
      const text = bodyText(data, maxDecompressed);
      const result = withLossless(text, '', out, (root, _spans, c) => walkOtlpJson(root, c, style, now));
      return finish(result, format);
    }
    format = 'otlp-protobuf';
    decodeOtlpProtobuf(toBuffer(data), out, style, now);
    return finish(out, format);
  }
  // Loki: Content-Encoding is looked at first, then Content-Type (the order of Loki's checks).
  const coding = parseContentEncoding(input.contentEncoding, LOKI_CODINGS);
  const media = parseMediaType(input.contentType);
  const data = decodeContent(body, coding, maxDecompressed);
  if (media === 'application/json') {
    const text = bodyText(data, maxDecompressed);
    const hint = coding === 'snappy' ? JSON_HINT_SNAPPY : '';
    if (route === 'loki-legacy') {
      format = 'loki-json-legacy';
      walkLokiJsonLegacy(parseJsonFast(text, hint), out);
      return finish(out, format);
    }
    format = 'loki-json';
    const result = withLossless(text, hint, out, (root, spans, c) => walkLokiJsonV1(root, text, spans, c));
    return finish(result, format);
  }
  format = 'loki-protobuf';
  decodeLokiProtobuf(toBuffer(decodeSnappyBlock(data, maxDecompressed)), out);
  return finish(out, format);
}

/**
 * Walks the fast JSON.parse tree; when the walker needs exact source text (a non-string label value, an
 * int64 past 2^53 given as a JSON number) it throws NeedLossless and the body is walked again on the
 * lossless tree with a fresh collector.
 */
function withLossless(
  text: string,
  hint: string,
  out: StreamCollector,
  walk: (root: unknown, spans: Spans | undefined, c: StreamCollector) => void,
): StreamCollector {
  const root = parseJsonFast(text, hint);
  try {
    walk(root, undefined, out);
    return out;
  } catch (err) {
    if (!(err instanceof NeedLossless)) throw err;
  }
  const again = new StreamCollector(out.maxEntries, out.maxStreams);
  const parsed = parseJsonLossless(text);
  walk(parsed.value, parsed.spans, again);
  return again;
}

function finish(out: StreamCollector, format: PushFormat): DecodedPush {
  if (out.streamCount === 0) throw new NoStreamsError();
  return out.finish(format);
}
