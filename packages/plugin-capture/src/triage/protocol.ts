/** Messages between `logtap triage` and its worker threads (all structured-clone-able). */

import type { ReadWarning } from '@logtap/capture';
import type { TriageState } from '@logtap/triage';
import type { FilterSpec } from './scan-unit.js';
import type { ScanUnit } from './units.js';

/** Engine options every worker and the merging parent share (they must be equal to merge). */
export interface EngineSpec {
  windowNs: bigint;
  maxSignatures: number;
  examples: number;
}

/** What a worker scans. */
export interface ScanJob {
  dir: string;
  filter: FilterSpec;
  engine: EngineSpec;
  units: ScanUnit[];
  /**
   * One Int32 shared by every scanning thread: the index of the next unit to take (`Atomics.add`), so a
   * thread takes a unit the moment it is free, with no round trip through the parent.
   */
  next: SharedArrayBuffer;
}

/** A worker is started before the capture is opened (its start-up overlaps that) and told its job later. */
export type ToWorker = { type: 'scan'; job: ScanJob };

export type ToParent =
  | { type: 'unit-done'; seq: number; lines: number }
  | { type: 'warning'; seq: number; warning: ReadWarning }
  | { type: 'done'; state: TriageState }
  | { type: 'error'; name: string; message: string; code: string | undefined; stack: string | undefined };
