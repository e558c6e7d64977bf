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

/** `workerData` of a worker. */
export interface WorkerInit {
  dir: string;
  filter: FilterSpec;
  engine: EngineSpec;
}

export type ToWorker = { type: 'unit'; unit: ScanUnit } | { type: 'finish' };

export type ToParent =
  | { type: 'unit-done'; seq: number; lines: number }
  | { type: 'warning'; seq: number; warning: ReadWarning }
  | { type: 'done'; state: TriageState }
  | { type: 'error'; name: string; message: string; code: string | undefined; stack: string | undefined };
