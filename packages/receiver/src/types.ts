import type { EncodedBatch } from '@logtap/capture';

/**
 * The shapes the receiver exchanges with its collaborators (decoder, redactor, capture writer). They
 * mirror docs/contracts.md; keeping them as narrow structural interfaces lets the server be embedded
 * with any implementation (tests use an in-memory sink) while the CLI wires the real packages.
 */

/** One decoded log line; `ts` in nanoseconds since the epoch. */
export interface PushEntry {
  ts: bigint;
  line: string;
  metadata?: Record<string, string> | undefined;
}

/** One stream of a push: its label set and its entries. */
export interface PushStream {
  labels: Record<string, string>;
  entries: PushEntry[];
}

/** What a decoder returns for one request body. */
export interface DecodedPush {
  streams: PushStream[];
  /** Total entries over all streams. */
  lines: number;
  /** Sum of the UTF-8 byte lengths of every line. */
  lineBytes: number;
  format: string;
  /**
   * Entries refused while the rest of the request was kept (Loki's partial 400): the valid streams are
   * ingested and the request is answered 400 with these reasons.
   */
  rejected?:
    | Array<{ labels: string; entries: number; error: { message: string; httpStatus: number } }>
    | undefined;
}

/** The raw request as the decoder sees it. */
export interface PushRequestInput {
  body: Uint8Array;
  path: string;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
}

export interface DecodeLimits {
  maxCompressedBytes?: number;
  maxDecompressedBytes?: number;
}

/** Decodes a push body; throws an error carrying `httpStatus` (and `code`) for bad input. */
export type DecodeFn = (input: PushRequestInput, limits?: DecodeLimits) => DecodedPush;

/** One capture data line. */
export interface CaptureEntry {
  ts: bigint;
  labels: Record<string, string>;
  msg: string;
  meta?: Record<string, string>;
}

/** The counters the receiver reads back from its sink. */
export interface SinkStats {
  /** Lines durably handed to the file (written into a frame). */
  linesWritten: number;
  /** Uncompressed JSONL bytes written. */
  bytesWritten: number;
  /** Bytes accepted by append() and not yet written: the queue. */
  pendingBytes: number;
  /** Bytes the capture directory uses on disk now. */
  diskBytes: number;
  rotations: number;
  evictions: number;
  /** Lines the sink accepted but then lost (e.g. on a write error); counted as dropped `writer`. */
  linesLost?: number;
}

/**
 * Where accepted lines go: the capture writer, or anything shaped like it. `append` never blocks and
 * returns false (keeping nothing) when the batch would overflow the sink's pending-bytes bound.
 */
export interface Sink {
  append(entries: readonly CaptureEntry[]): boolean;
  /**
   * Optional: lines already serialised as capture data lines (the capture writer's appendEncoded). When
   * present the receiver serialises every push itself and hands the bytes over (moved, not copied);
   * same contract as `append`.
   */
  appendEncoded?(batch: EncodedBatch): boolean;
  stats(): SinkStats;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Receiver counters (drops by reason, rejections) to record in the capture's metadata. */
  setCounters?(counters: Record<string, number>): void;
  /** A bounded audit trail in the capture directory. */
  audit?(event: string, fields?: Record<string, unknown>): void;
}

/** A compiled redaction policy (see @logtap/redact). */
export interface Redactor {
  readonly rules: readonly string[];
  readonly policyHash: string;
  redact(text: string): { text: string; hits: number };
  /**
   * Redacts label or structured-metadata values (a value under a secret-named key may go whole);
   * returns the same object when nothing changed.
   */
  redactLabels(labels: Readonly<Record<string, string>>): Record<string, string>;
  /** Hits per rule since compilation. */
  counters(): Record<string, number>;
}
