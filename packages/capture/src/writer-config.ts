/** Writer options: the public shape, validation (zod) and the resolved configuration the core runs with. */

import { z } from 'zod';
import { InvalidOptionError } from './errors.js';
import { MAX_ZSTD_LEVEL, MIN_ZSTD_LEVEL } from './zstd.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Something the writer did that a caller may want to act on (webhooks, logs, metrics). */
export type WriterEvent =
  | {
      type: 'rotated';
      file: string;
      lines: number;
      bytes: number;
      compressedBytes: number;
      reason: 'size' | 'age' | 'disk_cap' | 'close';
    }
  | { type: 'evicted'; files: string[]; lines: number; bytes: number; reason: 'disk_cap' | 'min_free' }
  | {
      type: 'recovered';
      file: string;
      lines: number;
      truncatedBytes: number;
      salvagedLines: number;
      corrupt: boolean;
    }
  | { type: 'write_refused'; reason: 'disk_cap' | 'min_free' | 'io_error'; detail: string }
  | { type: 'write_resumed'; droppedLines: number; droppedBytes: number }
  | { type: 'error'; operation: string; detail: string };

/** Options of {@link CaptureWriter.open}. Sizes in bytes, durations in milliseconds. */
export interface WriterOptions {
  /** Rotate when the active file's uncompressed size would pass this. Default 256 MiB. */
  maxFileBytes?: number | undefined;
  /** Rotate when the active file's first line is this old. Default 1 hour. */
  maxFileAge?: number | undefined;
  /** Hard cap on the bytes of every file in the directory. Default 50 GiB. */
  maxDiskBytes?: number | undefined;
  /** Bound on bytes accepted by `append` but not yet written; `append` returns false past it. Default 64 MiB. */
  maxPendingBytes?: number | undefined;
  /** Free-space low-water mark of the file system: evict, then refuse, rather than fill it. Default 256 MiB. */
  minFreeBytes?: number | undefined;
  /** Recorded in metadata.json. */
  redaction?: { enabled: boolean; rules: string[]; policyHash?: string | undefined } | undefined;
  /** Clock (ms since the epoch) for file names, metadata and audit times. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** zstd level. Default 3. */
  zstdLevel?: number | undefined;
  /** End a frame (one write) when the oldest unwritten line is this old. Default 900 (so a crash loses < 1 s). */
  flushInterval?: number | undefined;
  /** End a frame when it holds this many uncompressed bytes. Default 4 MiB. */
  flushBytes?: number | undefined;
  /** Frame-table granularity: an entry spans consecutive frames up to this many uncompressed bytes. Default 1 MiB. */
  seekBytes?: number | undefined;
  /** metadata.json checkpoint period. Default 5000. */
  checkpointInterval?: number | undefined;
  /** Cap of audit.jsonl (older events are dropped past it). Default maxDiskBytes/32, within 16 KiB..16 MiB. */
  auditMaxBytes?: number | undefined;
  /** Distinct values per label key counted in an index line. Default 10000. */
  maxLabelValuesPerKey?: number | undefined;
  /** Run compression and file I/O in a worker thread (default) or inline on the caller's thread. */
  worker?: boolean | undefined;
  /** Take the directory's single-writer lock. Default true. */
  lock?: boolean | undefined;
  /** Called on the caller's thread for rotations, evictions, recoveries, refused writes and errors. */
  onEvent?: ((event: WriterEvent) => void) | undefined;
}

/** Resolved configuration of the writer core (plain data: it crosses into the worker). */
export interface CoreConfig {
  dir: string;
  maxFileBytes: number;
  maxFileAgeMs: number;
  maxDiskBytes: number;
  maxPendingBytes: number;
  minFreeBytes: number;
  flushIntervalMs: number;
  flushBytes: number;
  seekBytes: number;
  checkpointIntervalMs: number;
  zstdLevel: number;
  auditMaxBytes: number;
  maxLabelValuesPerKey: number;
  maxLineBytes: number;
  lock: boolean;
  redaction?: { enabled: boolean; rules: string[]; policyHash?: string | undefined };
}

const positive = z.number().int().positive();
const optionsSchema = z.object({
  maxFileBytes: positive.min(1024).optional(),
  maxFileAge: positive.optional(),
  maxDiskBytes: positive.min(64 * KiB).optional(),
  maxPendingBytes: positive.min(64 * KiB).optional(),
  minFreeBytes: z.number().int().nonnegative().optional(),
  redaction: z
    .object({ enabled: z.boolean(), rules: z.array(z.string()), policyHash: z.string().optional() })
    .optional(),
  now: z.function().optional(),
  zstdLevel: z.number().int().min(MIN_ZSTD_LEVEL).max(MAX_ZSTD_LEVEL).optional(),
  flushInterval: positive.min(10).optional(),
  flushBytes: positive.min(4 * KiB).optional(),
  seekBytes: positive.optional(),
  checkpointInterval: positive.min(100).optional(),
  auditMaxBytes: positive.min(4 * KiB).optional(),
  maxLabelValuesPerKey: positive.optional(),
  worker: z.boolean().optional(),
  lock: z.boolean().optional(),
  onEvent: z.function().optional(),
});

/** Validates options and fills in defaults. Throws {@link InvalidOptionError}. */
export function resolveOptions(dir: string, opts: WriterOptions = {}): CoreConfig {
  const r = optionsSchema.safeParse(opts);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InvalidOptionError(issue.path.join('.') || '(options)', issue.message);
  }
  const maxDiskBytes = opts.maxDiskBytes ?? 50 * GiB;
  const maxPendingBytes = opts.maxPendingBytes ?? 64 * MiB;
  // A frame must fit comfortably in the disk cap and in the pending budget, or the cap could only be met by
  // evicting everything and the pending bound would stall until the flush timer.
  const flushBytes = Math.max(
    4 * KiB,
    Math.min(opts.flushBytes ?? 4 * MiB, Math.floor(maxDiskBytes / 16), Math.floor(maxPendingBytes / 2)),
  );
  const cfg: CoreConfig = {
    dir,
    maxFileBytes: opts.maxFileBytes ?? 256 * MiB,
    maxFileAgeMs: opts.maxFileAge ?? 3_600_000,
    maxDiskBytes,
    maxPendingBytes,
    minFreeBytes: opts.minFreeBytes ?? 256 * MiB,
    flushIntervalMs: opts.flushInterval ?? 900,
    flushBytes,
    seekBytes: opts.seekBytes ?? MiB,
    checkpointIntervalMs: opts.checkpointInterval ?? 5000,
    zstdLevel: opts.zstdLevel ?? 3,
    auditMaxBytes:
      opts.auditMaxBytes ?? Math.min(16 * MiB, Math.max(16 * KiB, Math.floor(maxDiskBytes / 32))),
    maxLabelValuesPerKey: opts.maxLabelValuesPerKey ?? 10_000,
    maxLineBytes: 64 * MiB,
    lock: opts.lock ?? true,
  };
  if (cfg.auditMaxBytes > maxDiskBytes / 4) {
    throw new InvalidOptionError(
      'auditMaxBytes',
      `must be at most a quarter of maxDiskBytes (${maxDiskBytes})`,
    );
  }
  if (opts.redaction) cfg.redaction = { ...opts.redaction, rules: [...opts.redaction.rules] };
  return cfg;
}
