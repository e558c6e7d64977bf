/**
 * What a redaction thread does with one push, and the messages to and from it: decode the body, redact,
 * serialise into an EncodedBatch. Also the same steps on the request thread (tests, and the fallback).
 */
import { type EncodedBatch, EncodedBatchBuilder } from '@logtap/capture';
import { decodePush, decodePushColumns } from '@logtap/protocol';
import { decodeContentEncoding } from './body.js';
import { encodeColumnsRedacted, encodeStreams, estimateColumns, estimateStreams } from './encode.js';
import { decodeRaw } from './raw.js';
import type { DecodedPush, Redactor } from './types.js';

/** A push as it crosses to a thread. */
export interface PrepareRequest {
  id: number;
  body: Uint8Array;
  route: 'protocol' | 'raw';
  path: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  maxBodyBytes: number;
  /** Receive time (ns), for raw lines without `ts`. */
  nowNs: bigint;
}

/** Per stream of a prepared push: its (redacted) labels and lines, for per-stream drop counts. */
export interface PreparedStream {
  labels: Record<string, string>;
  lines: number;
}

/** A decoded, redacted and serialised push. */
export interface Prepared {
  format: string;
  lines: number;
  lineBytes: number;
  truncated: number;
  batch: EncodedBatch;
  streams: PreparedStream[];
  rejected:
    | Array<{ labels: string; entries: number; error: { message: string; httpStatus: number } }>
    | undefined;
}

export type PrepareReply =
  | ({ id: number; ok: true; hits: Record<string, number> } & Prepared)
  | { id: number; ok: false; error: { message: string; httpStatus: number; code: string | undefined } };

/** Decodes a push body as the server does (raw NDJSON, or the protocol's decodePush). */
export function decodeRequest(req: Omit<PrepareRequest, 'id'>): DecodedPush {
  const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  const max = req.maxBodyBytes;
  if (req.route === 'raw') {
    const plain = decodeContentEncoding(body, req.contentEncoding, max);
    return decodeRaw(plain.toString('utf8'), req.nowNs);
  }
  return decodePush(
    { body, path: req.path, contentType: req.contentType, contentEncoding: req.contentEncoding },
    { maxCompressedBytes: max, maxDecompressedBytes: max },
  );
}

/**
 * Decodes, redacts and serialises one push into `b`. Per-stream labels are returned redacted (with
 * `redactLabels`), so drop counts never hold a secret either.
 */
export function prepare(
  req: Omit<PrepareRequest, 'id'>,
  b: EncodedBatchBuilder,
  redactor: Redactor,
  redactLabels: boolean,
  maxLineBytes: number,
): Prepared {
  if (req.route === 'protocol') {
    // Loki protobuf: columns, a string per line only for the redactor (see encodeColumnsRedacted).
    const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
    const max = req.maxBodyBytes;
    const columns = decodePushColumns(
      { body, path: req.path, contentType: req.contentType, contentEncoding: req.contentEncoding },
      { maxCompressedBytes: max, maxDecompressedBytes: max },
    );
    if (columns !== undefined) {
      b.reserve(estimateColumns(columns, maxLineBytes), columns.lines);
      const out = encodeColumnsRedacted(columns, b, maxLineBytes, redactor, redactLabels);
      return {
        format: columns.format,
        lines: columns.lines,
        lineBytes: columns.lineBytes,
        truncated: out.truncated,
        batch: b.take(),
        streams: columns.streams.map((s, i) => ({ labels: out.labels[i]!, lines: s.lines })),
        rejected: serializeRejected(columns.rejected),
      };
    }
  }
  const decoded = decodeRequest(req);
  b.reserve(estimateStreams(decoded.streams, maxLineBytes), decoded.lines);
  const { truncated, labels } = encodeStreams(decoded.streams, b, maxLineBytes, redactor, redactLabels);
  const streams: PreparedStream[] = decoded.streams.map((s, i) => ({
    labels: labels[i]!,
    lines: s.entries.length,
  }));
  return {
    format: decoded.format,
    lines: decoded.lines,
    lineBytes: decoded.lineBytes,
    truncated,
    batch: b.take(),
    streams,
    rejected: serializeRejected(decoded.rejected),
  };
}

/** Rejections as plain data (they cross threads; the errors' classes would not). */
function serializeRejected(rejected: DecodedPush['rejected']): Prepared['rejected'] {
  return rejected?.map((r) => ({
    labels: r.labels,
    entries: r.entries,
    error: { message: r.error.message, httpStatus: r.error.httpStatus },
  }));
}

/** A new builder for {@link prepare}. */
export function newBuilder(): EncodedBatchBuilder {
  return new EncodedBatchBuilder(0, 0);
}
