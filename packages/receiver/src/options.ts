import type { RedactorOptions } from '@logtap/redact';
import { digest } from './auth.js';
import { ReceiverOptionsError } from './errors.js';
import type { OnFull } from './ingest.js';
import type { LiveEndpointOptions } from './live.js';
import type { DecodeFn, Redactor, Sink } from './types.js';

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
  /**
   * Serves GET /logtap/v1/live (the receiver's stats plus `feed`'s answer) to clients with this read
   * token, for a live view elsewhere (`recv --in-cluster`). Without it that route answers 404.
   */
  live?: LiveEndpointOptions | undefined;
  /** Injected clock in ms (tests). */
  now?: (() => number) | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedOptions {
  host: string;
  port: number;
  authDigest: Buffer | undefined;
  /** Digest of the live endpoint's read token; undefined: no live endpoint. */
  liveDigest: Buffer | undefined;
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

/** Validates the options (typed RECEIVER_OPTIONS errors) and fills in the defaults. */
export function resolveOptions(opts: ReceiverOptions): ResolvedOptions {
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
  if (opts.live !== undefined && opts.live.token.length === 0) {
    throw new ReceiverOptionsError('live.token', 'the token is empty; the live endpoint needs a read token');
  }
  const maxInflightBytes = opts.maxInflightBytes ?? maxBodyBytes * 4;
  positiveInteger('maxInflightBytes', maxInflightBytes);
  return {
    host: opts.host ?? DEFAULTS.host,
    port,
    authDigest: opts.authToken === undefined ? undefined : digest(opts.authToken),
    liveDigest: opts.live === undefined ? undefined : digest(opts.live.token),
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
