import { detectLevel, type Level } from './level.js';
import { serviceOf } from './service.js';

/** One log entry as the views receive it (the shape of @logtap/capture's CaptureEntry). */
export interface TuiEntry {
  /** Nanoseconds since the Unix epoch. */
  ts: bigint;
  labels: Readonly<Record<string, string>>;
  msg: string;
}

/** A line held by the view: the entry plus what the view derives from it once. */
export interface TuiLine extends TuiEntry {
  /** Position in arrival order, unique and increasing for the life of a view. */
  seq: number;
  service: string;
  level: Level | undefined;
  /** Approximate memory cost, used by the byte bound of the ring. */
  bytes: number;
}

/** Fixed per-line overhead added to the text sizes when bounding the ring by bytes. */
const LINE_OVERHEAD = 96;

/** Derives service, level and size for an entry; `seq` is assigned by the ring. */
export function toTuiLine(e: TuiEntry, seq: number): TuiLine {
  let bytes = LINE_OVERHEAD + e.msg.length * 2;
  for (const k in e.labels) bytes += (k.length + (e.labels[k]?.length ?? 0)) * 2 + 16;
  return {
    ts: e.ts,
    labels: e.labels,
    msg: e.msg,
    seq,
    service: serviceOf(e.labels),
    level: detectLevel(e.msg, e.labels),
    bytes,
  };
}
