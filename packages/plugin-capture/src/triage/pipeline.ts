/**
 * `logtap triage` as a function: open the capture, resolve the filter flags against it, plan the
 * scan units, scan (in-process or in worker threads) and build the report. Shared by the triage
 * command and by `logtap diff` when an input is a capture directory.
 */

import { availableParallelism } from 'node:os';
import { type Capture, captureTimeContext, openCapture, parseTimeBound } from '@logtap/capture/read';
import { buildReport, type TriageReport } from '@logtap/triage';
import { buildFilter, type FilterInput } from '../filter.js';
import type { EngineSpec } from './protocol.js';
import { type RunResult, runScan, type ScanProgress, type ScanWorkers, startScanWorkers } from './run.js';
import type { FilterSpec } from './scan-unit.js';
import { planUnits, type ScanUnit, unitTargetBytes } from './units.js';

export interface TriageCaptureOptions {
  dir: string;
  filter?: FilterInput;
  /** Bucket width (ns). Default 60 s. */
  windowNs?: bigint;
  /** `--since`: a time bound (any form `--from` takes); templates first seen from then on are new. */
  since?: string | undefined;
  /** Warm-up (ns) after the capture's first line before templates count as new. */
  warmupNs?: bigint | undefined;
  /** Worker threads; undefined picks one per core (at most 8), and 1 for a small capture. */
  jobs?: number | undefined;
  onProgress?: (p: ScanProgress) => void;
  signal?: AbortSignal;
  /** Current time (ns) for `now` in time flags. */
  nowNs?: bigint;
}

export interface TriageCaptureResult {
  report: TriageReport;
  capture: Capture;
  units: ScanUnit[];
  scan: RunResult;
  /** Worker threads asked for (after `auto`). */
  jobs: number;
}

/** Below this many (estimated uncompressed) bytes, `--jobs` auto scans in-process. */
const AUTO_PARALLEL_BYTES = 32 << 20;
const AUTO_MAX_JOBS = 8;

export const DEFAULT_ENGINE: EngineSpec = {
  windowNs: 60_000_000_000n,
  maxSignatures: 20_000,
  examples: 3,
};

function estimatedBytes(cap: Capture): number {
  return cap.files.reduce((s, f) => s + (f.index?.bytes ?? (f.compressed ? f.size * 8 : f.size)), 0);
}

/** The worker count `--jobs` resolves to. */
export function resolveJobs(cap: Capture, jobs: number | undefined): number {
  if (jobs !== undefined) return Math.max(1, Math.floor(jobs));
  if (estimatedBytes(cap) < AUTO_PARALLEL_BYTES) return 1;
  return Math.max(1, Math.min(AUTO_MAX_JOBS, availableParallelism()));
}

/** Triage of one capture directory. Throws @logtap/capture's errors (missing capture, bad time or label). */
export async function triageCapture(opts: TriageCaptureOptions): Promise<TriageCaptureResult> {
  // An explicit --jobs starts its workers first: their start-up (loading modules) overlaps opening the
  // capture and planning. `auto` needs the capture's size first.
  const early =
    opts.jobs !== undefined && Math.floor(opts.jobs) > 1
      ? startScanWorkers(Math.floor(opts.jobs) - 1)
      : undefined;
  try {
    return await triageWith(opts, early);
  } finally {
    early?.close();
  }
}

async function triageWith(
  opts: TriageCaptureOptions,
  workers: ScanWorkers | undefined,
): Promise<TriageCaptureResult> {
  const cap = await openCapture(opts.dir);
  const input: FilterInput = { ...opts.filter };
  if (opts.nowNs !== undefined) input.nowNs = opts.nowNs;
  const filter = buildFilter(cap, input);
  const since =
    opts.since === undefined ? undefined : parseTimeBound(opts.since, captureTimeContext(cap, opts.nowNs));
  const jobs = resolveJobs(cap, opts.jobs);
  const targetBytes = unitTargetBytes(cap, jobs);
  // With several threads, the last units are single frames: the threads finish within a frame of each other.
  const units = planUnits(cap, filter, { targetBytes, fineTailBytes: jobs > 1 ? 2 * jobs * targetBytes : 0 });
  const spec: FilterSpec = {
    from: filter.from,
    to: filter.to,
    labels: [...filter.labels],
    grep: opts.filter?.grep,
    ignoreCase: opts.filter?.ignoreCase,
    fixedStrings: opts.filter?.fixedStrings,
  };
  const engine: EngineSpec = { ...DEFAULT_ENGINE, windowNs: opts.windowNs ?? DEFAULT_ENGINE.windowNs };
  const scan = await runScan({
    dir: cap.dir,
    units,
    filter: spec,
    engine,
    jobs,
    ...(workers ? { workers } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const report = buildReport(scan.accumulator, {
    captureDir: opts.dir,
    ...(since !== undefined ? { since } : {}),
    ...(opts.warmupNs !== undefined ? { warmupNs: opts.warmupNs } : {}),
  });
  return { report, capture: cap, units, scan, jobs };
}
