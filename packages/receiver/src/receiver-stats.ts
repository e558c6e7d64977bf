import { DROP_REASONS } from './ingest.js';
import { type Histogram, renderLabelled, renderScalar } from './metrics.js';
import type { Redactor, Sink } from './types.js';

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

/** The sink's progress; zeros from a sink that cannot report. */
export function safeSinkStats(sink: Sink): ReturnType<Sink['stats']> {
  try {
    return sink.stats();
  } catch {
    // A sink that cannot report (e.g. already torn down) must not break /metrics or shutdown.
    return { linesWritten: 0, bytesWritten: 0, pendingBytes: 0, diskBytes: 0, rotations: 0, evictions: 0 };
  }
}

/** What the Prometheus exposition needs beyond the stats snapshot (kept in answer order, not sorted). */
export interface MetricsSources {
  pushesByStatus: ReadonlyMap<string, number>;
  pushesByFormat: ReadonlyMap<string, number>;
  histogram: Histogram;
  redactor: Redactor | undefined;
}

/** The Prometheus text exposition served on GET /metrics. */
export function renderMetrics(s: ReceiverStats, src: MetricsSources): string {
  const redactor = src.redactor;
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
      src.pushesByStatus,
    ) +
    renderLabelled(
      'logtap_pushes_by_format_total',
      'counter',
      'Push requests decoded, by wire format.',
      'format',
      src.pushesByFormat,
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
    src.histogram.render('logtap_push_duration_seconds', 'Time from request start to response, per push.') +
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
