/** The metadata.json document the writer checkpoints (field order: the original's first, then ours). */

import { formatTimestamp, GO_ZERO_TIME, msToNs } from './timestamp.js';
import type { CoreConfig } from './writer-config.js';

/** Capture-wide counters that outlive one writer session. */
export interface CaptureTotals {
  startedNs: bigint;
  totalLines: number;
  totalBytes: number;
  labelsSeen: Set<string>;
  firstTs: bigint | undefined;
  lastTs: bigint | undefined;
  evictions: { files: number; lines: number; bytes: number };
  dropped: { lines: number; bytes: number };
  recoveries: number;
  /** The caller's counters (setCounters). */
  counters: Record<string, number>;
}

export interface MetadataExtras {
  files: number;
  diskBytes: number;
  auditDropped: number;
  writerErrors: number;
}

/** Builds metadata.json. While live, `stopped` is Go's zero time, which the original's readers expect. */
export function metadataDocument(
  state: 'live' | 'stopped',
  nowMs: number,
  t: CaptureTotals,
  cfg: CoreConfig,
  x: MetadataExtras,
): Record<string, unknown> {
  const m: Record<string, unknown> = {
    version: 1,
    format: 'jsonl',
    started: formatTimestamp(t.startedNs),
    stopped: state === 'stopped' ? formatTimestamp(msToNs(nowMs)) : GO_ZERO_TIME,
    total_lines: t.totalLines,
    total_bytes: t.totalBytes,
    labels_seen: [...t.labelsSeen].sort(),
  };
  const r = cfg.redaction;
  if (r?.enabled) {
    // Absent when redaction is off, as the original does (its upload --share refuses such captures).
    m['redaction'] = {
      enabled: true,
      patterns: r.rules,
      ...(r.policyHash !== undefined ? { policy_hash: r.policyHash } : {}),
    };
  }
  m['state'] = state;
  m['updated'] = formatTimestamp(msToNs(nowMs));
  if (t.firstTs !== undefined && t.lastTs !== undefined) {
    m['first_ts'] = formatTimestamp(t.firstTs);
    m['last_ts'] = formatTimestamp(t.lastTs);
  }
  m['files'] = x.files;
  m['disk_bytes'] = x.diskBytes;
  m['evictions'] = { ...t.evictions };
  m['dropped'] = { ...t.dropped };
  m['recoveries'] = t.recoveries;
  m['counters'] = { ...t.counters, audit_dropped: x.auditDropped, writer_errors: x.writerErrors };
  m['limits'] = {
    max_file_bytes: cfg.maxFileBytes,
    max_file_age_ms: cfg.maxFileAgeMs,
    max_disk_bytes: cfg.maxDiskBytes,
    min_free_bytes: cfg.minFreeBytes,
    flush_interval_ms: cfg.flushIntervalMs,
    flush_bytes: cfg.flushBytes,
    zstd_level: cfg.zstdLevel,
  };
  return m;
}
