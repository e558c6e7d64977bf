import type { ProtocolError } from './errors.js';

/** One log line of a push. */
export interface PushEntry {
  /** Nanoseconds since the Unix epoch (no precision loss). */
  ts: bigint;
  /** The log line, exactly as sent (invalid UTF-8 bytes become U+FFFD). */
  line: string;
  /** Structured metadata (Loki "non-indexed labels"), null-prototype object; absent when empty. */
  metadata?: Record<string, string>;
}

/** One stream: its label set and its entries in the order received. */
export interface PushStream {
  /** Parsed labels, keys sorted, null-prototype object; empty values are dropped (as Loki does). */
  labels: Record<string, string>;
  entries: PushEntry[];
}

/** Which wire format a request used. */
export type PushFormat = 'loki-json' | 'loki-json-legacy' | 'loki-protobuf' | 'otlp-json' | 'otlp-protobuf';

/**
 * Entries of a request that were not accepted while the rest of the request was (Loki's "partial" 400:
 * valid streams are ingested, the request is still answered 400 with the grouped reasons).
 */
export interface RejectedEntries {
  /** The stream's label string as received (or its canonical form). */
  labels: string;
  /** How many entries were rejected for this reason in this stream. */
  entries: number;
  /** Why; `error.httpStatus` is the status to answer with (400). */
  error: ProtocolError;
}

/** The normalised result of {@link decodePush}. */
export interface DecodedPush {
  /** Streams with at least one entry; streams with the same label set are merged (first-seen order). */
  streams: PushStream[];
  /** Total entries over all streams. */
  lines: number;
  /** Sum of the UTF-8 byte lengths of every line (for metrics and MB/s). */
  lineBytes: number;
  format: PushFormat;
  /** Present only when some entries were rejected while others were kept; see {@link RejectedEntries}. */
  rejected?: RejectedEntries[];
}

/** A push request as the HTTP layer received it. */
export interface PushRequestInput {
  /** Raw request body as received (still compressed). */
  body: Uint8Array;
  /** Request path, e.g. `/loki/api/v1/push`, `/api/prom/push`, `/otlp/v1/logs` (a query string is ignored). */
  path: string;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
}

/** Bounds that protect the receiver against oversized bodies and decompression bombs. */
export interface DecodeLimits {
  /** Max body size as received, in bytes (default 32 MiB). 0 or Infinity: unlimited. */
  maxCompressedBytes?: number;
  /** Max body size after Content-Encoding and snappy decoding, in bytes (default 64 MiB). 0 or Infinity: unlimited. */
  maxDecompressedBytes?: number;
  /** Max entries decoded from one request (default 1,000,000). Guards the heap against tiny-entry bombs. */
  maxEntries?: number;
  /** Max distinct streams (stream objects) in one request (default 100,000). */
  maxStreams?: number;
}

/** How OTLP resource attributes are turned into stream labels. */
export type OtlpLabelStyle = 'logtap' | 'loki';

/** Options of {@link decodePush}: the limits plus format knobs. */
export interface DecodeOptions extends DecodeLimits {
  /**
   * Label names for promoted OTLP resource attributes. `logtap` (default): Kubernetes attributes get the
   * short names logtap's own forwarder uses (`k8s.namespace.name` → `namespace`, `k8s.pod.name` → `pod`,
   * ...). `loki`: exactly Loki's default (dots → underscores, `k8s_namespace_name`).
   */
  otlpLabelStyle?: OtlpLabelStyle;
  /** Clock for OTLP records that carry neither time nor observed time (ns since epoch). */
  now?: () => bigint;
}
