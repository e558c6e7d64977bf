import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { decodePush } from '@logtap/protocol';
import { PushAudit } from './audit.js';
import { BodyPool } from './body-pool.js';
import { BodyReader } from './body-reader.js';
import { formatHostPort, TlsConfigError } from './errors.js';
import { DROP_REASONS, Ingest } from './ingest.js';
import { listenOn } from './listen.js';
import { answerLive } from './live.js';
import { DEFAULTS, type ReceiverOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { PushHandler } from './push.js';
import { type ReceiverState, type ReceiverStats, renderMetrics, safeSinkStats } from './receiver-stats.js';
import { pooledRedactor, RedactPool } from './redact-pool.js';
import { type RouteHandlers, routeRequest } from './routes.js';
import type { Redactor, Sink } from './types.js';

/**
 * The logtap push receiver: an HTTP(S) server speaking the Loki push API (JSON, protobuf + snappy,
 * legacy), OTLP/HTTP logs and logtap's raw NDJSON, feeding a capture sink through the drop/reject
 * policy, with Prometheus metrics, health/readiness endpoints and a graceful drain on close().
 *
 * This file is the lifecycle (start, listen, drain, abort, timers) and the counters; a push's path is
 * in push.ts, the routes in routes.ts, body reading in body-reader.ts.
 */
export class Receiver {
  readonly #server: Server;
  readonly #sink: Sink;
  /** Redaction threads (with `redaction` and a sink that takes serialised batches). */
  readonly #pool: RedactPool | undefined;
  readonly #ingest: Ingest;
  readonly #pushes: PushHandler;
  readonly #audit: PushAudit;
  readonly #opts: ResolvedOptions;
  readonly #queueBytes: number;
  readonly #sockets = new Set<Socket>();
  readonly #startedAt: number;
  readonly #tls: boolean;
  #state: ReceiverState = 'running';
  #timers: NodeJS.Timeout[] = [];
  #closing: Promise<ReceiverStats> | undefined;
  #address: AddressInfo | undefined;

  private constructor(opts: ReceiverOptions, resolved: ResolvedOptions, compiled: Redactor | undefined) {
    this.#sink = opts.sink;
    this.#opts = resolved;
    this.#queueBytes = opts.queueBytes;
    this.#startedAt = resolved.now();
    const redactLabels = opts.redactLabels ?? true;
    const maxLineBytes = opts.maxLineBytes ?? DEFAULTS.maxLineBytes;
    let redactor = opts.redactor;
    if (compiled !== undefined && opts.redaction !== undefined) {
      this.#pool =
        opts.sink.appendEncoded === undefined
          ? undefined
          : new RedactPool({
              policy: opts.redaction.policy,
              redactLabels,
              maxLineBytes,
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
        maxLineBytes,
      },
      resolved.now,
    );
    this.#audit = new PushAudit(opts.sink, resolved.onFull, resolved.now, () => this.stats());
    this.#pushes = new PushHandler({
      sink: opts.sink,
      ingest: this.#ingest,
      decode: opts.decode ?? decodePush,
      // Only with the built-in decoder (a custom one decides what lines are) and a sink that takes
      // serialised batches.
      columns: opts.decode === undefined && this.#ingest.encodes,
      pool: this.#pool,
      // Bodies are pooled only with the built-in decoders, which keep nothing of the body.
      bodies: new BodyReader(
        resolved.maxBodyBytes,
        resolved.maxInflightBytes,
        opts.decode === undefined ? new BodyPool() : undefined,
      ),
      audit: this.#audit,
      opts: resolved,
      queueBytes: opts.queueBytes,
      redactLabels,
      maxLineBytes,
      running: () => this.#state === 'running',
    });
    const routes: RouteHandlers = {
      push: (req, res, path, route) => this.#pushes.handle(req, res, path, route),
      notReadyReason: () => this.#notReadyReason(),
      metrics: () => this.metrics(),
      live:
        resolved.liveDigest === undefined
          ? undefined
          : (req, res, search) =>
              answerLive(req, res, search, {
                digest: resolved.liveDigest!,
                feed: opts.live?.feed,
                stats: () => this.stats(),
                now: resolved.now,
              }),
      version: resolved.version,
      retryAfterSeconds: resolved.retryAfterSeconds,
    };
    const handler = (req: IncomingMessage, res: ServerResponse): void => routeRequest(req, res, routes);
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
      receiver.#address = await listenOn(receiver.#server, resolved.host, resolved.port);
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
    const pushes = this.#pushes;
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
      pushes: pushes.pushes,
      pushesByStatus: Object.fromEntries(pushes.byStatus),
      pushesByFormat: Object.fromEntries(pushes.byFormat),
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
      linesInvalid: pushes.linesInvalid,
      linesPending: Math.max(0, ingest.linesReceived - sinkStats.linesWritten - linesDropped),
      queueBytes: sinkStats.pendingBytes,
      queueCapacityBytes: this.#queueBytes,
      diskBytes: sinkStats.diskBytes,
      rotations: sinkStats.rotations,
      evictions: sinkStats.evictions,
      inflightPushes: pushes.inflight,
      pushDurationSeconds: {
        count: pushes.histogram.count,
        p50: pushes.histogram.quantile(0.5),
        p99: pushes.histogram.quantile(0.99),
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
    const pushes = this.#pushes;
    return renderMetrics(this.stats(), {
      pushesByStatus: pushes.byStatus,
      pushesByFormat: pushes.byFormat,
      histogram: pushes.histogram,
      redactor: this.#ingest.redactor,
    });
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
    while (this.#pushes.inflight > 0 && this.#opts.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.#server.closeIdleConnections();
    for (const socket of this.#sockets) socket.destroy();
    await serverClosed;
    this.#stopTimers();
    this.#sink.setCounters?.(this.#counters());
    this.#audit.summarise();
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

  #startTimers(): void {
    const counters = setInterval(
      () => this.#sink.setCounters?.(this.#counters()),
      this.#opts.countersIntervalMs,
    );
    const audit = setInterval(() => this.#audit.summarise(), this.#opts.auditIntervalMs);
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
      lines_invalid: this.#pushes.linesInvalid,
    };
    for (const reason of DROP_REASONS) out[`lines_dropped.${reason}`] = 0;
    for (const [reason, n] of ingest.dropped()) out[`lines_dropped.${reason}`] = n;
    for (const { stream, lines } of ingest.droppedByStream(20))
      out[`lines_dropped_by_stream.${stream}`] = lines;
    return out;
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
}
