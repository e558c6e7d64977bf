import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type ColumnarPush, decodePushColumns } from '@logtap/protocol';
import type { PushAudit } from './audit.js';
import { checkAuth } from './auth.js';
import { decodeContentEncoding } from './body.js';
import type { BodyReader } from './body-reader.js';
import { estimateColumns, estimateStreams } from './encode.js';
import type { Admission, Ingest } from './ingest.js';
import { Histogram } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { decodeRequest, type PrepareReply, type PrepareRequest } from './prepare.js';
import { decodeRaw } from './raw.js';
import { safeSinkStats } from './receiver-stats.js';
import type { RedactPool } from './redact-pool.js';
import { describeRejected, rejectEarly, reply, replyBadPush } from './reply.js';
import type { DecodedPush, DecodeFn, Sink } from './types.js';

/** Which decoder handles a push route. */
export type PushRoute = 'protocol' | 'raw';

export interface PushHandlerOptions {
  sink: Sink;
  ingest: Ingest;
  decode: DecodeFn;
  /** Loki protobuf pushes are decoded into columns and serialised from their bytes (see Ingest). */
  columns: boolean;
  /** Redaction threads (with `redaction` and a sink that takes serialised batches). */
  pool: RedactPool | undefined;
  bodies: BodyReader;
  audit: PushAudit;
  opts: ResolvedOptions;
  queueBytes: number;
  redactLabels: boolean;
  maxLineBytes: number;
  /** Whether the receiver still takes pushes (not draining). */
  running: () => boolean;
}

/**
 * One push request from its first byte to its answer: auth and size checks, body reading, decoding
 * (here or in a redaction thread), admission into the queue, and the answer; with the push counters.
 */
export class PushHandler {
  readonly #o: PushHandlerOptions;
  readonly #histogram = new Histogram();
  readonly #byStatus = new Map<string, number>();
  readonly #byFormat = new Map<string, number>();
  #pushes = 0;
  #inflight = 0;
  #linesInvalid = 0;

  constructor(opts: PushHandlerOptions) {
    this.#o = opts;
  }

  /** Pushes answered. */
  get pushes(): number {
    return this.#pushes;
  }

  /** Pushes being read, decoded or admitted now. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Entries refused as invalid in pushes whose other entries were kept. */
  get linesInvalid(): number {
    return this.#linesInvalid;
  }

  /** Pushes answered, by HTTP status, in order of first appearance. */
  get byStatus(): ReadonlyMap<string, number> {
    return this.#byStatus;
  }

  /** Pushes decoded, by wire format, in order of first appearance. */
  get byFormat(): ReadonlyMap<string, number> {
    return this.#byFormat;
  }

  /** Time from request start to response. */
  get histogram(): Histogram {
    return this.#histogram;
  }

  /** Handles one POST to a push route; never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, route: PushRoute): Promise<void> {
    const started = performance.now();
    this.#inflight++;
    let status = 500;
    try {
      status = await this.#push(req, res, path, route);
    } catch (err) {
      // Never let one request take the server down; answer what we can.
      status = 500;
      if (!res.headersSent) reply(res, 500, `internal error: ${(err as Error).message}`);
    } finally {
      this.#inflight--;
      this.#pushes++;
      const key = String(status);
      this.#byStatus.set(key, (this.#byStatus.get(key) ?? 0) + 1);
      this.#histogram.observe((performance.now() - started) / 1000);
    }
  }

  /** Handles one push and returns the status it answered. */
  async #push(req: IncomingMessage, res: ServerResponse, path: string, route: PushRoute): Promise<number> {
    const o = this.#o;
    const opts = o.opts;
    if (!o.running()) {
      return rejectEarly(req, res, 503, 'the receiver is shutting down; retry against another receiver', {
        'Retry-After': String(opts.retryAfterSeconds),
      });
    }
    if (opts.authDigest !== undefined && !checkAuth(req.headers.authorization, opts.authDigest)) {
      return rejectEarly(req, res, 401, 'missing or wrong token: send "Authorization: Bearer <token>"', {
        'WWW-Authenticate': 'Bearer realm="logtap"',
      });
    }
    const declared = Number(req.headers['content-length']);
    if (declared > opts.maxBodyBytes) {
      return rejectEarly(
        req,
        res,
        413,
        `the body is ${declared} bytes, over the ${opts.maxBodyBytes}-byte limit; send smaller batches or raise --max-body`,
      );
    }
    const body = await o.bodies.read(req, declared);
    if (typeof body === 'number') {
      if (body === 413) {
        return rejectEarly(
          req,
          res,
          413,
          `the body is over the ${opts.maxBodyBytes}-byte limit; send smaller batches or raise --max-body`,
        );
      }
      if (body === 503) {
        return rejectEarly(req, res, 503, 'the receiver is holding too many request bodies; retry shortly', {
          'Retry-After': String(opts.retryAfterSeconds),
        });
      }
      return 499; // client went away mid-body
    }

    if (opts.onFull === 'reject' && safeSinkStats(o.sink).pendingBytes >= o.queueBytes) {
      // Full under the reject policy: answer before decoding, so overload costs a read, not a decode.
      o.bodies.release(body);
      o.ingest.noteShed();
      o.audit.shed();
      reply(res, 429, 'the receiver queue is full; retry later', {
        'Retry-After': String(opts.retryAfterSeconds),
      });
      return 429;
    }
    if (o.pool !== undefined) return this.#pushPooled(req, res, path, route, body, o.pool);
    let decoded: DecodedPush | ColumnarPush;
    try {
      decoded = this.#decodeBody(body, req, path, route);
    } catch (err) {
      return replyBadPush(req, res, path, err);
    } finally {
      o.bodies.release(body);
    }
    // A columnar push refers to the decoder's scratch buffers: it is admitted before anything else runs.
    const result: Admission =
      'entries' in decoded
        ? o.ingest.admitColumns(decoded)
        : o.ingest.admit(decoded.streams, decoded.lines, decoded.lineBytes);
    return this.#answer(req, res, decoded.format, decoded.lines, decoded.rejected, result);
  }

  /**
   * A push under pooled redaction: decoded, redacted and serialised in a redaction thread, then admitted
   * here. Bodies waiting for a thread count toward the queue: when it cannot take even this body's
   * size, the push is only counted (decoded here, cheaply for Loki protobuf, and never redacted:
   * redacting what is dropped would be wasted work). That also bounds the bodies held for the threads
   * (memory, and how long a push can wait) by the queue size.
   */
  async #pushPooled(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    route: PushRoute,
    body: Buffer,
    pool: RedactPool,
  ): Promise<number> {
    const o = this.#o;
    const pending = safeSinkStats(o.sink).pendingBytes + pool.backlogBytes;
    const request = {
      route,
      path,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      maxBodyBytes: o.opts.maxBodyBytes,
      nowNs: BigInt(o.opts.now()) * 1_000_000n,
    };
    if (pending > 0 && pending + body.length > o.queueBytes) {
      let counted: { format: string; lines: number; rejected: DecodedPush['rejected']; result: Admission };
      try {
        counted = this.#countOnly(request, body);
      } catch (err) {
        return replyBadPush(req, res, path, err);
      } finally {
        o.bodies.release(body);
      }
      return this.#answer(req, res, counted.format, counted.lines, counted.rejected, counted.result);
    }
    let prepared: PrepareReply;
    try {
      prepared = await pool.prepare(request, body);
    } finally {
      o.bodies.release(body);
    }
    if (!prepared.ok) {
      const err = Object.assign(new Error(prepared.error.message), { httpStatus: prepared.error.httpStatus });
      return replyBadPush(req, res, path, err);
    }
    const result = o.ingest.admitEncoded(
      prepared.batch,
      prepared.lines,
      prepared.lineBytes,
      prepared.truncated,
      prepared.streams,
    );
    pool.recycle(prepared.batch);
    return this.#answer(req, res, prepared.format, prepared.lines, prepared.rejected, result);
  }

  /** Decodes a push only to count it as refused (full queue); stream labels redacted for the counts. */
  #countOnly(
    request: Omit<PrepareRequest, 'id' | 'body'>,
    body: Buffer,
  ): { format: string; lines: number; rejected: DecodedPush['rejected']; result: Admission } {
    const o = this.#o;
    const redactor = o.ingest.redactor!;
    const labelsOf = (labels: Record<string, string>) =>
      o.redactLabels ? redactor.redactLabels(labels) : labels;
    const limits = { maxCompressedBytes: request.maxBodyBytes, maxDecompressedBytes: request.maxBodyBytes };
    const columns =
      request.route === 'protocol' ? decodePushColumns({ ...request, body }, limits) : undefined;
    if (columns !== undefined) {
      const streams = columns.streams.map((s) => ({ labels: labelsOf(s.labels), lines: s.lines }));
      const size = estimateColumns(columns, o.maxLineBytes);
      const result = o.ingest.refuse(columns.lines, columns.lineBytes, size, streams);
      return { format: columns.format, lines: columns.lines, rejected: columns.rejected, result };
    }
    const decoded = decodeRequest({ ...request, body });
    const streams = decoded.streams.map((s) => ({ labels: labelsOf(s.labels), lines: s.entries.length }));
    const size = estimateStreams(decoded.streams, o.maxLineBytes);
    const result = o.ingest.refuse(decoded.lines, decoded.lineBytes, size, streams);
    return { format: decoded.format, lines: decoded.lines, rejected: decoded.rejected, result };
  }

  /** Counts a decoded push and answers it as its admission says. */
  #answer(
    req: IncomingMessage,
    res: ServerResponse,
    format: string,
    lines: number,
    rejected: DecodedPush['rejected'],
    result: Admission,
  ): number {
    const o = this.#o;
    const opts = o.opts;
    this.#byFormat.set(format, (this.#byFormat.get(format) ?? 0) + 1);
    o.audit.noteClient(req.socket.remoteAddress ?? 'unknown', lines);
    if (result === 'too_large' && opts.onFull === 'reject') {
      o.audit.shed();
      reply(
        res,
        413,
        `this push (${lines} lines) is larger than the whole receiver queue; send smaller batches or raise --buffer`,
      );
      return 413;
    }
    if (result === 'rejected') {
      o.audit.shed();
      reply(res, 429, 'the receiver queue is full; retry later', {
        'Retry-After': String(opts.retryAfterSeconds),
      });
      return 429;
    }
    if (result === 'dropped' || result === 'too_large') o.audit.shed();
    if (rejected !== undefined && rejected.length > 0) {
      // Loki's partial failure: the valid entries are kept, the invalid ones reported with a 400.
      let invalid = 0;
      for (const r of rejected) invalid += r.entries;
      this.#linesInvalid += invalid;
      reply(res, 400, describeRejected(rejected));
      return 400;
    }
    res.writeHead(204, o.running() ? undefined : { Connection: 'close' });
    res.end();
    return 204;
  }

  #decodeBody(
    body: Buffer,
    req: IncomingMessage,
    path: string,
    route: PushRoute,
  ): DecodedPush | ColumnarPush {
    const o = this.#o;
    const max = o.opts.maxBodyBytes;
    if (route === 'raw') {
      const plain = decodeContentEncoding(body, req.headers['content-encoding'], max);
      return decodeRaw(plain.toString('utf8'), BigInt(o.opts.now()) * 1_000_000n);
    }
    const input = {
      body,
      path,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
    };
    const limits = { maxCompressedBytes: max, maxDecompressedBytes: max };
    if (o.columns) {
      // Loki protobuf without strings: the lines go from the wire bytes to the capture's JSONL.
      const columns = decodePushColumns(input, limits);
      if (columns !== undefined) return columns;
    }
    return o.decode(input, limits);
  }
}
