import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type ColumnarPush, decodePush, decodePushColumns, encodeOtlpStatus } from '@logtap/protocol';
import type { RedactorOptions } from '@logtap/redact';
import { decodeContentEncoding } from './body.js';
import { BodyPool } from './body-pool.js';
import { estimateColumns, estimateStreams } from './encode.js';
import {
  formatHostPort,
  ListenError,
  PushRejectedError,
  ReceiverOptionsError,
  TlsConfigError,
} from './errors.js';
import { type Admission, DROP_REASONS, Ingest, type OnFull } from './ingest.js';
import { Histogram, renderLabelled, renderScalar } from './metrics.js';
import { decodeRequest, type PrepareReply, type PrepareRequest } from './prepare.js';
import { decodeRaw } from './raw.js';
import { RedactPool } from './redact-pool.js';
import type { DecodedPush, DecodeFn, Redactor, Sink } from './types.js';

/** Routes that accept pushes, and which decoder handles them. */
const PUSH_ROUTES: ReadonlyMap<string, 'protocol' | 'raw'> = new Map([
  ['/loki/api/v1/push', 'protocol'],
  ['/api/prom/push', 'protocol'],
  ['/otlp/v1/logs', 'protocol'],
  ['/logtap/raw', 'raw'],
]);

/** The version of the push API this receiver speaks (bumped on breaking changes). */
export const API_VERSION = 1;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3100,
  maxBodyBytes: 64 * 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  retryAfterSeconds: 1,
  shedWindowMs: 5000,
  countersIntervalMs: 1000,
  auditIntervalMs: 60_000,
  drainTimeoutMs: 30_000,
} as const;

export interface ReceiverOptions {
  /** Where accepted lines go (a CaptureWriter). The receiver closes it on close(). */
  sink: Sink;
  /** Decoder for the Loki and OTLP routes; default decodePush from @logtap/protocol. */
  decode?: DecodeFn | undefined;
  /** The sink's bound on pending bytes (the --buffer); used for /ready, metrics and fast refusal. */
  queueBytes: number;
  host?: string | undefined;
  /** 0 picks a free port; read it back from `address()`. */
  port?: number | undefined;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** When set, pushes need `Authorization: Bearer <token>` (or Basic auth with the token as password). */
  authToken?: string | undefined;
  onFull?: OnFull | undefined;
  /** Largest push body, compressed or decompressed (413 past it). */
  maxBodyBytes?: number | undefined;
  /** Bound on bytes of request bodies held in memory at once (503 past it). Default 4 × maxBodyBytes. */
  maxInflightBytes?: number | undefined;
  /** Longer lines are truncated to this many bytes. */
  maxLineBytes?: number | undefined;
  /** A compiled redaction policy, run on the request thread. See also `redaction`. */
  redactor?: Redactor | undefined;
  /**
   * Redaction in worker threads (instead of `redactor`): the policy as @logtap/redact's compileRedactor
   * options, compiled once per thread; `threads` defaults to the number of cores. Each push is decoded,
   * redacted and serialised in a thread, before anything is queued. Needs a sink that takes serialised
   * batches (appendEncoded); with another sink the policy runs on the request thread.
   */
  redaction?: { policy: RedactorOptions; threads?: number | undefined } | undefined;
  /** Redact label values and structured metadata too (default true). */
  redactLabels?: boolean | undefined;
  /** Seconds in the Retry-After header of a 429/503. */
  retryAfterSeconds?: number | undefined;
  /** Reported by GET /api/version. */
  version?: string | undefined;
  /** /ready answers 503 for this long after the last drop or rejection. */
  shedWindowMs?: number | undefined;
  /** How often the receiver's counters are handed to `sink.setCounters` (metadata checkpoints). */
  countersIntervalMs?: number | undefined;
  /** How often a push summary goes to `sink.audit`. */
  auditIntervalMs?: number | undefined;
  /** Injected clock in ms (tests). */
  now?: (() => number) | undefined;
}

export type ReceiverState = 'running' | 'draining' | 'closed';

/** A snapshot of everything the receiver counts. */
export interface ReceiverStats {
  state: ReceiverState;
  uptimeMs: number;
  pushes: number;
  pushesByStatus: Record<string, number>;
  /** Decoded pushes by wire format (loki-protobuf, loki-json, otlp-json, logtap-raw, ...). */
  pushesByFormat: Record<string, number>;
  linesReceived: number;
  bytesReceived: number;
  linesWritten: number;
  bytesWritten: number;
  linesDropped: number;
  droppedByReason: Record<string, number>;
  droppedByStream: Array<{ stream: string; lines: number }>;
  linesRejected: number;
  pushesRejected: number;
  linesTruncated: number;
  /** Entries refused as invalid (bad timestamp, labels, ...) in requests whose other entries were kept. */
  linesInvalid: number;
  /** Lines accepted and not yet written (received − written − dropped). */
  linesPending: number;
  queueBytes: number;
  queueCapacityBytes: number;
  diskBytes: number;
  rotations: number;
  evictions: number;
  inflightPushes: number;
  pushDurationSeconds: { count: number; p50: number; p99: number };
  redaction: { enabled: boolean; rules: string[]; policyHash?: string; hits: Record<string, number> };
}

interface ResolvedOptions {
  host: string;
  port: number;
  authDigest: Buffer | undefined;
  onFull: OnFull;
  maxBodyBytes: number;
  maxInflightBytes: number;
  retryAfterSeconds: number;
  version: string;
  shedWindowMs: number;
  countersIntervalMs: number;
  auditIntervalMs: number;
  now: () => number;
}

/**
 * The logtap push receiver: an HTTP(S) server speaking the Loki push API (JSON, protobuf + snappy,
 * legacy), OTLP/HTTP logs and logtap's raw NDJSON, feeding a capture sink through the drop/reject
 * policy, with Prometheus metrics, health/readiness endpoints and a graceful drain on close().
 */
export class Receiver {
  readonly #server: Server;
  readonly #sink: Sink;
  readonly #decode: DecodeFn;
  /** Loki protobuf pushes are decoded into columns and serialised from their bytes (see Ingest). */
  readonly #columns: boolean;
  /** Redaction threads (with `redaction` and a sink that takes serialised batches). */
  readonly #pool: RedactPool | undefined;
  readonly #redactLabels: boolean;
  readonly #maxLineBytes: number;
  /**
   * Request bodies are reused once decoded: only with the built-in decoders, which keep nothing of the
   * body (lines become strings or serialised bytes); a custom decoder might.
   */
  readonly #bodies: BodyPool | undefined;
  readonly #ingest: Ingest;
  readonly #opts: ResolvedOptions;
  readonly #queueBytes: number;
  readonly #histogram = new Histogram();
  readonly #pushesByStatus = new Map<string, number>();
  readonly #pushesByFormat = new Map<string, number>();
  readonly #clients = new Map<string, { pushes: number; lines: number }>();
  readonly #sockets = new Set<Socket>();
  readonly #startedAt: number;
  readonly #tls: boolean;
  #state: ReceiverState = 'running';
  #inflight = 0;
  #inflightBytes = 0;
  #pushes = 0;
  #linesInvalid = 0;
  #timers: NodeJS.Timeout[] = [];
  #closing: Promise<ReceiverStats> | undefined;
  #lastDropAudit = Number.NEGATIVE_INFINITY;
  #address: AddressInfo | undefined;

  private constructor(opts: ReceiverOptions, resolved: ResolvedOptions, compiled: Redactor | undefined) {
    this.#sink = opts.sink;
    this.#decode = opts.decode ?? decodePush;
    this.#opts = resolved;
    this.#queueBytes = opts.queueBytes;
    this.#startedAt = resolved.now();
    this.#redactLabels = opts.redactLabels ?? true;
    this.#maxLineBytes = opts.maxLineBytes ?? DEFAULTS.maxLineBytes;
    let redactor = opts.redactor;
    if (compiled !== undefined && opts.redaction !== undefined) {
      this.#pool =
        opts.sink.appendEncoded === undefined
          ? undefined
          : new RedactPool({
              policy: opts.redaction.policy,
              redactLabels: this.#redactLabels,
              maxLineBytes: this.#maxLineBytes,
              threads: opts.redaction.threads ?? availableParallelism(),
            });
      redactor = this.#pool === undefined ? compiled : pooledRedactor(compiled, this.#pool);
    }
    this.#ingest = new Ingest(
      {
        sink: opts.sink,
        onFull: resolved.onFull,
        queueBytes: opts.queueBytes,
        redactor,
        redactLabels: opts.redactLabels,
        maxLineBytes: this.#maxLineBytes,
      },
      resolved.now,
    );
    // Only with the built-in decoder (a custom one decides what lines are) and a sink that takes
    // serialised batches.
    this.#columns = opts.decode === undefined && this.#ingest.encodes;
    this.#bodies = opts.decode === undefined ? new BodyPool() : undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#onRequest(req, res);
    this.#tls = opts.tls !== undefined;
    if (opts.tls !== undefined) {
      try {
        this.#server = createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler);
      } catch (cause) {
        throw new TlsConfigError((cause as Error).message, { cause });
      }
    } else {
      this.#server = createHttpServer(handler);
    }
    // Slow clients must not pin memory forever; keep-alive longer than typical client idle timeouts.
    this.#server.requestTimeout = 120_000;
    this.#server.headersTimeout = 30_000;
    this.#server.keepAliveTimeout = 75_000;
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed HTTP from a client: answer 400 when the socket still can, never crash.
      if (socket.writable && err.code !== 'ECONNRESET') {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      } else {
        socket.destroy();
      }
    });
  }

  /** Validates the options, binds the address and starts serving. */
  static async start(opts: ReceiverOptions): Promise<Receiver> {
    const resolved = resolveOptions(opts);
    // Loaded only with a policy: @logtap/redact (RE2, YAML) is not needed otherwise. Compiling it here
    // also validates it before any thread starts (typed REDACT_* errors).
    const compiled =
      opts.redaction === undefined
        ? undefined
        : (await import('@logtap/redact')).compileRedactor(opts.redaction.policy);
    const receiver = new Receiver(opts, resolved, compiled);
    try {
      await receiver.#listen();
    } catch (err) {
      await receiver.#pool?.close();
      throw err;
    }
    receiver.#startTimers();
    opts.sink.audit?.('receiver_started', {
      listen: receiver.url,
      tls: receiver.#tls,
      auth: resolved.authDigest !== undefined,
      on_full: resolved.onFull,
      max_body_bytes: resolved.maxBodyBytes,
      queue_bytes: opts.queueBytes,
      redaction:
        receiver.#ingest.redactor === undefined ? null : { rules: [...receiver.#ingest.redactor.rules] },
    });
    return receiver;
  }

  /** The bound address (with the real port when 0 was asked). */
  address(): { host: string; port: number } {
    const addr = this.#address;
    return { host: addr?.address ?? this.#opts.host, port: addr?.port ?? this.#opts.port };
  }

  /** Base URL of the server, e.g. `http://127.0.0.1:3100`. */
  get url(): string {
    const { host, port } = this.address();
    return `${this.#tls ? 'https' : 'http'}://${formatHostPort(host, port)}`;
  }

  get state(): ReceiverState {
    return this.#state;
  }

  /** Everything the receiver counts, including the sink's progress. */
  stats(): ReceiverStats {
    const ingest = this.#ingest;
    const sinkStats = safeSinkStats(this.#sink);
    const dropped = ingest.dropped();
    const droppedByReason: Record<string, number> = {};
    let linesDropped = 0;
    for (const [reason, n] of dropped) {
      droppedByReason[reason] = n;
      linesDropped += n;
    }
    const redactor = ingest.redactor;
    return {
      state: this.#state,
      uptimeMs: this.#opts.now() - this.#startedAt,
      pushes: this.#pushes,
      pushesByStatus: Object.fromEntries(this.#pushesByStatus),
      pushesByFormat: Object.fromEntries(this.#pushesByFormat),
      linesReceived: ingest.linesReceived,
      bytesReceived: ingest.bytesReceived,
      linesWritten: sinkStats.linesWritten,
      bytesWritten: sinkStats.bytesWritten,
      linesDropped,
      droppedByReason,
      droppedByStream: ingest.droppedByStream(20),
      linesRejected: ingest.linesRejected,
      pushesRejected: ingest.pushesRejected,
      linesTruncated: ingest.linesTruncated,
      linesInvalid: this.#linesInvalid,
      linesPending: Math.max(0, ingest.linesReceived - sinkStats.linesWritten - linesDropped),
      queueBytes: sinkStats.pendingBytes,
      queueCapacityBytes: this.#queueBytes,
      diskBytes: sinkStats.diskBytes,
      rotations: sinkStats.rotations,
      evictions: sinkStats.evictions,
      inflightPushes: this.#inflight,
      pushDurationSeconds: {
        count: this.#histogram.count,
        p50: this.#histogram.quantile(0.5),
        p99: this.#histogram.quantile(0.99),
      },
      redaction:
        redactor === undefined
          ? { enabled: false, rules: [], hits: {} }
          : {
              enabled: true,
              rules: [...redactor.rules],
              policyHash: redactor.policyHash,
              hits: redactor.counters(),
            },
    };
  }

  /** The Prometheus text exposition served on GET /metrics. */
  metrics(): string {
    const s = this.stats();
    const redactor = this.#ingest.redactor;
    return (
      renderScalar(
        'logtap_lines_received_total',
        'counter',
        'Log lines accepted from pushes.',
        s.linesReceived,
      ) +
      renderScalar(
        'logtap_bytes_received_total',
        'counter',
        'UTF-8 bytes of the log lines accepted from pushes.',
        s.bytesReceived,
      ) +
      renderScalar(
        'logtap_lines_written_total',
        'counter',
        'Log lines written to the capture.',
        s.linesWritten,
      ) +
      renderScalar(
        'logtap_bytes_written_total',
        'counter',
        'Uncompressed JSONL bytes written to the capture.',
        s.bytesWritten,
      ) +
      renderLabelled(
        'logtap_lines_dropped_total',
        'counter',
        'Log lines received but not written, by reason.',
        'reason',
        s.droppedByReason,
        DROP_REASONS,
      ) +
      renderScalar(
        'logtap_lines_rejected_total',
        'counter',
        'Log lines refused with 429 under --on-full reject (the client keeps and resends them); pushes refused before decoding, when the queue is already full, count only in logtap_pushes_total{code="429"}.',
        s.linesRejected,
      ) +
      renderScalar(
        'logtap_lines_truncated_total',
        'counter',
        'Log lines cut to the maximum line size.',
        s.linesTruncated,
      ) +
      renderScalar(
        'logtap_lines_invalid_total',
        'counter',
        'Entries refused with 400 as invalid while the rest of their push was kept.',
        s.linesInvalid,
      ) +
      renderLabelled(
        'logtap_pushes_total',
        'counter',
        'Push requests answered, by HTTP status code.',
        'code',
        this.#pushesByStatus,
      ) +
      renderLabelled(
        'logtap_pushes_by_format_total',
        'counter',
        'Push requests decoded, by wire format.',
        'format',
        this.#pushesByFormat,
      ) +
      renderScalar('logtap_queue_bytes', 'gauge', 'Bytes accepted and not yet written.', s.queueBytes) +
      renderScalar(
        'logtap_queue_capacity_bytes',
        'gauge',
        'Bound on logtap_queue_bytes (--buffer).',
        s.queueCapacityBytes,
      ) +
      renderScalar('logtap_disk_usage_bytes', 'gauge', 'Bytes the capture directory uses now.', s.diskBytes) +
      renderScalar('logtap_rotations_total', 'counter', 'Capture data files rotated.', s.rotations) +
      renderScalar(
        'logtap_evictions_total',
        'counter',
        'Capture data files deleted to stay under --max-disk.',
        s.evictions,
      ) +
      renderScalar(
        'logtap_inflight_pushes',
        'gauge',
        'Push requests being read or decoded.',
        s.inflightPushes,
      ) +
      this.#histogram.render(
        'logtap_push_duration_seconds',
        'Time from request start to response, per push.',
      ) +
      renderLabelled(
        'logtap_redactions_total',
        'counter',
        'Redactions applied, by rule.',
        'rule',
        redactor?.counters() ?? {},
        redactor?.rules ?? [],
      ) +
      renderScalar(
        'logtap_redaction_enabled',
        'gauge',
        '1 when redaction is on for this capture.',
        redactor === undefined ? 0 : 1,
      )
    );
  }

  /**
   * Graceful stop: refuse new pushes (503), finish those in flight, close the server, then close the
   * sink (final frame, index, metadata) and return the final counters. Idempotent.
   */
  close(opts: { timeoutMs?: number } = {}): Promise<ReceiverStats> {
    this.#closing ??= this.#drain(opts.timeoutMs ?? DEFAULTS.drainTimeoutMs);
    return this.#closing;
  }

  /**
   * Immediate stop: drops every connection and stops the timers, without closing the sink. For a
   * second Ctrl-C: the capture stays readable (the writer's flushed frames) and recoverable.
   */
  abort(): void {
    this.#state = 'closed';
    this.#stopTimers();
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    void this.#pool?.close();
  }

  async #drain(timeoutMs: number): Promise<ReceiverStats> {
    this.#state = 'draining';
    const serverClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const deadline = this.#opts.now() + timeoutMs;
    while (this.#inflight > 0 && this.#opts.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.#server.closeIdleConnections();
    for (const socket of this.#sockets) socket.destroy();
    await serverClosed;
    this.#stopTimers();
    this.#sink.setCounters?.(this.#counters());
    this.#auditClients();
    await this.#pool?.close();
    await this.#sink.close();
    this.#state = 'closed';
    const stats = this.stats();
    // Lines that were neither written nor counted as dropped when the sink closed were lost by it.
    if (stats.linesPending > 0) {
      this.#ingest.countDrop('shutdown', stats.linesPending);
      return this.stats();
    }
    return stats;
  }

  async #listen(): Promise<void> {
    const { host, port } = this.#opts;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.#server.off('listening', onListening);
        reject(new ListenError(host, port, describeListenError(err), { cause: err }));
      };
      const onListening = (): void => {
        this.#server.off('error', onError);
        resolve();
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen({ host, port });
    });
    this.#address = this.#server.address() as AddressInfo;
  }

  #startTimers(): void {
    const counters = setInterval(
      () => this.#sink.setCounters?.(this.#counters()),
      this.#opts.countersIntervalMs,
    );
    const audit = setInterval(() => this.#auditClients(), this.#opts.auditIntervalMs);
    counters.unref();
    audit.unref();
    this.#timers = [counters, audit];
  }

  #stopTimers(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
  }

  /** Counters recorded in the capture's metadata.json (through the sink). */
  #counters(): Record<string, number> {
    const ingest = this.#ingest;
    const out: Record<string, number> = {
      lines_received: ingest.linesReceived,
      bytes_received: ingest.bytesReceived,
      lines_rejected: ingest.linesRejected,
      pushes_rejected: ingest.pushesRejected,
      lines_truncated: ingest.linesTruncated,
      lines_invalid: this.#linesInvalid,
    };
    for (const reason of DROP_REASONS) out[`lines_dropped.${reason}`] = 0;
    for (const [reason, n] of ingest.dropped()) out[`lines_dropped.${reason}`] = n;
    for (const { stream, lines } of ingest.droppedByStream(20))
      out[`lines_dropped_by_stream.${stream}`] = lines;
    return out;
  }

  #auditClients(): void {
    if (this.#clients.size === 0 || this.#sink.audit === undefined) return;
    const top = [...this.#clients].sort((a, b) => b[1].lines - a[1].lines).slice(0, 20);
    let pushes = 0;
    let lines = 0;
    for (const c of this.#clients.values()) {
      pushes += c.pushes;
      lines += c.lines;
    }
    this.#sink.audit('push_summary', {
      pushes,
      lines,
      clients: this.#clients.size,
      top: top.map(([remote, c]) => ({ remote, pushes: c.pushes, lines: c.lines })),
    });
    this.#clients.clear();
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const route = PUSH_ROUTES.get(path);
    if (route !== undefined) {
      if (req.method !== 'POST') {
        reply(res, 405, `${path} accepts POST only`, { Allow: 'POST' });
        req.resume();
        return;
      }
      void this.#handlePush(req, res, path, route);
      return;
    }
    const method = req.method ?? 'GET';
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') {
      if (ROUTES_GET.has(path)) reply(res, 405, `${path} accepts GET only`, { Allow: 'GET, HEAD' });
      else reply(res, 404, `no route ${path}`);
      return;
    }
    switch (path) {
      case '/healthz':
        replyJson(res, 200, { status: 'ok' });
        return;
      case '/ready':
      case '/readyz': {
        const reason = this.#notReadyReason();
        if (reason === undefined) reply(res, 200, 'ready');
        else reply(res, 503, `not ready: ${reason}`, { 'Retry-After': String(this.#opts.retryAfterSeconds) });
        return;
      }
      case '/metrics':
        reply(
          res,
          200,
          this.metrics(),
          { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
          false,
        );
        return;
      case '/api/version':
        replyJson(res, 200, { version: this.#opts.version, api: API_VERSION });
        return;
      default:
        reply(res, 404, `no route ${path}`);
    }
  }

  #notReadyReason(): string | undefined {
    if (this.#state !== 'running') return 'shutting down';
    const now = this.#opts.now();
    if (now - this.#ingest.lastShedAt < this.#opts.shedWindowMs) {
      return this.#opts.onFull === 'reject'
        ? 'shedding load (rejecting pushes)'
        : 'shedding load (dropping lines)';
    }
    const pending = safeSinkStats(this.#sink).pendingBytes;
    if (pending >= this.#queueBytes * 0.9)
      return `queue ${Math.round((pending / this.#queueBytes) * 100)}% full`;
    return undefined;
  }

  async #handlePush(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    route: 'protocol' | 'raw',
  ): Promise<void> {
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
      this.#pushesByStatus.set(key, (this.#pushesByStatus.get(key) ?? 0) + 1);
      this.#histogram.observe((performance.now() - started) / 1000);
    }
  }

  /** Handles one push and returns the status it answered. */
  async #push(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    route: 'protocol' | 'raw',
  ): Promise<number> {
    const opts = this.#opts;
    if (this.#state !== 'running') {
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
    const body = await this.#readBody(req, declared);
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

    if (opts.onFull === 'reject' && safeSinkStats(this.#sink).pendingBytes >= this.#queueBytes) {
      // Full under the reject policy: answer before decoding, so overload costs a read, not a decode.
      this.#inflightBytes -= body.length;
      this.#bodies?.release(body);
      this.#ingest.noteShed();
      this.#auditShed();
      reply(res, 429, 'the receiver queue is full; retry later', {
        'Retry-After': String(opts.retryAfterSeconds),
      });
      return 429;
    }
    if (this.#pool !== undefined) return this.#pushPooled(req, res, path, route, body);
    let decoded: DecodedPush | ColumnarPush;
    try {
      decoded = this.#decodeBody(body, req, path, route);
    } catch (err) {
      return this.#replyBadPush(req, res, path, err);
    } finally {
      this.#inflightBytes -= body.length;
      // The decoders keep nothing of the body (strings are copies, columns point into their own scratch).
      this.#bodies?.release(body);
    }
    // A columnar push refers to the decoder's scratch buffers: it is admitted before anything else runs.
    const result: Admission =
      'entries' in decoded
        ? this.#ingest.admitColumns(decoded)
        : this.#ingest.admit(decoded.streams, decoded.lines, decoded.lineBytes);
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
    route: 'protocol' | 'raw',
    body: Buffer,
  ): Promise<number> {
    const pool = this.#pool!;
    const pending = safeSinkStats(this.#sink).pendingBytes + pool.backlogBytes;
    const request = {
      route,
      path,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
      maxBodyBytes: this.#opts.maxBodyBytes,
      nowNs: BigInt(this.#opts.now()) * 1_000_000n,
    };
    if (pending > 0 && pending + body.length > this.#queueBytes) {
      let counted: { format: string; lines: number; rejected: DecodedPush['rejected']; result: Admission };
      try {
        counted = this.#countOnly(request, body);
      } catch (err) {
        return this.#replyBadPush(req, res, path, err);
      } finally {
        this.#inflightBytes -= body.length;
        this.#bodies?.release(body);
      }
      return this.#answer(req, res, counted.format, counted.lines, counted.rejected, counted.result);
    }
    let reply: PrepareReply;
    try {
      reply = await pool.prepare(request, body);
    } finally {
      this.#inflightBytes -= body.length;
      this.#bodies?.release(body);
    }
    if (!reply.ok) {
      const err = Object.assign(new Error(reply.error.message), { httpStatus: reply.error.httpStatus });
      return this.#replyBadPush(req, res, path, err);
    }
    const result = this.#ingest.admitEncoded(
      reply.batch,
      reply.lines,
      reply.lineBytes,
      reply.truncated,
      reply.streams,
    );
    pool.recycle(reply.batch);
    return this.#answer(req, res, reply.format, reply.lines, reply.rejected, result);
  }

  /** Decodes a push only to count it as refused (full queue); stream labels redacted for the counts. */
  #countOnly(
    request: Omit<PrepareRequest, 'id' | 'body'>,
    body: Buffer,
  ): { format: string; lines: number; rejected: DecodedPush['rejected']; result: Admission } {
    const redactor = this.#ingest.redactor!;
    const labelsOf = (labels: Record<string, string>) =>
      this.#redactLabels ? redactor.redactLabels(labels) : labels;
    const limits = { maxCompressedBytes: request.maxBodyBytes, maxDecompressedBytes: request.maxBodyBytes };
    const columns =
      request.route === 'protocol' ? decodePushColumns({ ...request, body }, limits) : undefined;
    if (columns !== undefined) {
      const streams = columns.streams.map((s) => ({ labels: labelsOf(s.labels), lines: s.lines }));
      const size = estimateColumns(columns, this.#maxLineBytes);
      const result = this.#ingest.refuse(columns.lines, columns.lineBytes, size, streams);
      return { format: columns.format, lines: columns.lines, rejected: columns.rejected, result };
    }
    const decoded = decodeRequest({ ...request, body });
    const streams = decoded.streams.map((s) => ({ labels: labelsOf(s.labels), lines: s.entries.length }));
    const size = estimateStreams(decoded.streams, this.#maxLineBytes);
    const result = this.#ingest.refuse(decoded.lines, decoded.lineBytes, size, streams);
    return { format: decoded.format, lines: decoded.lines, rejected: decoded.rejected, result };
  }

  /** Answers a push that could not be decoded (OTLP clients get a google.rpc.Status body). */
  #replyBadPush(req: IncomingMessage, res: ServerResponse, path: string, err: unknown): number {
    const status = httpStatusOf(err);
    const message = (err as Error).message ?? 'bad request';
    if (path === '/otlp/v1/logs') {
      // OTLP clients expect a google.rpc.Status body in the request's encoding.
      const json = (req.headers['content-type'] ?? '').toLowerCase().includes('json');
      const body = encodeOtlpStatus({ httpStatus: status, message }, json ? 'json' : 'protobuf');
      res.writeHead(status, {
        'Content-Type': json ? 'application/json' : 'application/x-protobuf',
        'Content-Length': body.length,
      });
      res.end(body);
    } else {
      reply(res, status, message);
    }
    return status;
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
    const opts = this.#opts;
    this.#pushesByFormat.set(format, (this.#pushesByFormat.get(format) ?? 0) + 1);
    this.#noteClient(req, lines);
    if (result === 'too_large' && opts.onFull === 'reject') {
      this.#auditShed();
      reply(
        res,
        413,
        `this push (${lines} lines) is larger than the whole receiver queue; send smaller batches or raise --buffer`,
      );
      return 413;
    }
    if (result === 'rejected') {
      this.#auditShed();
      reply(res, 429, 'the receiver queue is full; retry later', {
        'Retry-After': String(opts.retryAfterSeconds),
      });
      return 429;
    }
    if (result === 'dropped' || result === 'too_large') this.#auditShed();
    if (rejected !== undefined && rejected.length > 0) {
      // Loki's partial failure: the valid entries are kept, the invalid ones reported with a 400.
      let invalid = 0;
      for (const r of rejected) invalid += r.entries;
      this.#linesInvalid += invalid;
      reply(res, 400, describeRejected(rejected));
      return 400;
    }
    res.writeHead(204, this.#state === 'running' ? undefined : { Connection: 'close' });
    res.end();
    return 204;
  }

  #decodeBody(
    body: Buffer,
    req: IncomingMessage,
    path: string,
    route: 'protocol' | 'raw',
  ): DecodedPush | ColumnarPush {
    const max = this.#opts.maxBodyBytes;
    if (route === 'raw') {
      const plain = decodeContentEncoding(body, req.headers['content-encoding'], max);
      return decodeRaw(plain.toString('utf8'), BigInt(this.#opts.now()) * 1_000_000n);
    }
    const input = {
      body,
      path,
      contentType: req.headers['content-type'],
      contentEncoding: req.headers['content-encoding'],
    };
    const limits = { maxCompressedBytes: max, maxDecompressedBytes: max };
    if (this.#columns) {
      // Loki protobuf without strings: the lines go from the wire bytes to the capture's JSONL.
      const columns = decodePushColumns(input, limits);
      if (columns !== undefined) return columns;
    }
    return this.#decode(input, limits);
  }

  /**
   * Reads the request body within the size limit and the global in-flight budget. Resolves the body,
   * or a status: 413 (too large), 503 (budget exhausted) or 499 (client aborted).
   */
  #readBody(req: IncomingMessage, declared: number): Promise<Buffer | number> {
    const max = this.#opts.maxBodyBytes;
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
        if (this.#inflightBytes + chunk.length > this.#opts.maxInflightBytes && length > 0) {
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

  #noteClient(req: IncomingMessage, lines: number): void {
    const remote = req.socket.remoteAddress ?? 'unknown';
    let entry = this.#clients.get(remote);
    if (entry === undefined) {
      if (this.#clients.size >= 1000) return; // bounded; the audit summary keeps the top talkers
      entry = { pushes: 0, lines: 0 };
      this.#clients.set(remote, entry);
    }
    entry.pushes++;
    entry.lines += lines;
  }

  #auditShed(): void {
    const now = this.#opts.now();
    if (now - this.#lastDropAudit < 10_000 || this.#sink.audit === undefined) return;
    this.#lastDropAudit = now;
    const s = this.stats();
    this.#sink.audit('drop_burst', {
      policy: this.#opts.onFull,
      lines_dropped: s.linesDropped,
      lines_rejected: s.linesRejected,
      queue_bytes: s.queueBytes,
      queue_capacity_bytes: s.queueCapacityBytes,
    });
  }
}

const ROUTES_GET = new Set(['/healthz', '/ready', '/readyz', '/metrics', '/api/version']);

function resolveOptions(opts: ReceiverOptions): ResolvedOptions {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const port = opts.port ?? DEFAULTS.port;
  positiveInteger('maxBodyBytes', maxBodyBytes);
  positiveInteger('queueBytes', opts.queueBytes);
  if (opts.maxLineBytes !== undefined) positiveInteger('maxLineBytes', opts.maxLineBytes);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ReceiverOptionsError('port', `${port} is not a port number (0-65535)`);
  }
  if (opts.redactor !== undefined && opts.redaction !== undefined) {
    throw new ReceiverOptionsError(
      'redaction',
      'give either redactor (request thread) or redaction (threads), not both',
    );
  }
  if (
    opts.redaction?.threads !== undefined &&
    !(Number.isInteger(opts.redaction.threads) && opts.redaction.threads >= 1)
  ) {
    throw new ReceiverOptionsError(
      'redaction.threads',
      `${opts.redaction.threads} is not a whole number of threads (at least 1)`,
    );
  }
  if (opts.authToken !== undefined && opts.authToken.length === 0) {
    throw new ReceiverOptionsError('authToken', 'the token is empty; omit it to disable authentication');
  }
  const maxInflightBytes = opts.maxInflightBytes ?? maxBodyBytes * 4;
  positiveInteger('maxInflightBytes', maxInflightBytes);
  return {
    host: opts.host ?? DEFAULTS.host,
    port,
    authDigest: opts.authToken === undefined ? undefined : digest(opts.authToken),
    onFull: opts.onFull ?? 'drop',
    maxBodyBytes,
    maxInflightBytes,
    retryAfterSeconds: opts.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds,
    version: opts.version ?? '0.0.0',
    shedWindowMs: opts.shedWindowMs ?? DEFAULTS.shedWindowMs,
    countersIntervalMs: opts.countersIntervalMs ?? DEFAULTS.countersIntervalMs,
    auditIntervalMs: opts.auditIntervalMs ?? DEFAULTS.auditIntervalMs,
    now: opts.now ?? Date.now,
  };
}

function positiveInteger(option: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ReceiverOptionsError(option, `${value} is not a positive whole number of bytes`);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Accepts `Bearer <token>`, or Basic auth whose password is the token (for clients that only offer
 * basic auth). Compares SHA-256 digests in constant time so neither length nor content leaks.
 */
function checkAuth(header: string | undefined, expected: Buffer): boolean {
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

/** Loki-style grouped reasons (as protocol's formatRejections): `3 errors like: <message>` per message. */
function describeRejected(rejected: NonNullable<DecodedPush['rejected']>): string {
  const groups = new Map<string, number>();
  for (const r of rejected) groups.set(r.error.message, (groups.get(r.error.message) ?? 0) + r.entries);
  return [...groups].map(([message, n]) => `${n} errors like: ${message}`).join('\n');
}

function httpStatusOf(err: unknown): number {
  if (err instanceof PushRejectedError) return err.httpStatus;
  const status = (err as { httpStatus?: unknown } | null)?.httpStatus;
  if (typeof status === 'number' && status >= 400 && status < 600) return status;
  return 400;
}

/** Answers without reading the body, and closes the connection so the unread body is not parsed. */
function rejectEarly(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): number {
  reply(res, status, message, { ...headers, Connection: 'close' });
  req.resume();
  return status;
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
  newline = true,
): void {
  if (res.headersSent) return;
  const body = newline ? `${text}\n` : text;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function replyJson(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function safeSinkStats(sink: Sink): ReturnType<Sink['stats']> {
  try {
    return sink.stats();
  } catch {
    // A sink that cannot report (e.g. already torn down) must not break /metrics or shutdown.
    return { linesWritten: 0, bytesWritten: 0, pendingBytes: 0, diskBytes: 0, rotations: 0, evictions: 0 };
  }
}

function describeListenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'the address is already in use; stop the other process or pick another --listen port';
    case 'EACCES':
      return 'permission denied; ports below 1024 need privileges, use a higher port';
    case 'EADDRNOTAVAIL':
      return 'no local interface has this address; use 127.0.0.1, 0.0.0.0 or an address of this machine';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    default:
      return err.message;
  }
}

/**
 * The policy as the rest of the receiver sees it when it runs in threads: its rules and hash, the
 * request thread's copy for the odd label set (drop counts), and counters summed over every thread.
 */
function pooledRedactor(main: Redactor, pool: RedactPool): Redactor {
  return {
    rules: main.rules,
    policyHash: main.policyHash,
    redact: (text) => main.redact(text),
    redactLabels: (labels) => main.redactLabels(labels),
    counters: () => {
      const out = pool.hits();
      for (const [rule, n] of Object.entries(main.counters())) out[rule] = (out[rule] ?? 0) + n;
      return out;
    },
  };
}
