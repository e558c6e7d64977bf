/**
 * Runs the scan half of `logtap triage`: the plan's units go through one accumulator in-process
 * (`jobs` 1) or through worker threads that pull units as they finish the previous ones (so a worker
 * slowed down by a busy core takes fewer), each keeping one accumulator. The parent merges the
 * workers' snapshots in worker order; merging is exact and order-free, so the state, and the report
 * built from it, are the same for any `jobs` and any assignment of units to workers.
 */

import { Worker } from 'node:worker_threads';
import type { ReadWarning } from '@logtap/capture';
import { TriageAccumulator } from '@logtap/triage';
import { WorkerFailedError } from './errors.js';
import type { EngineSpec, ToParent, ToWorker, WorkerInit } from './protocol.js';
import { compileFilterSpec, type FilterSpec, scanUnit } from './scan-unit.js';
import type { ScanUnit } from './units.js';

export interface ScanProgress {
  units: number;
  unitsDone: number;
  /** Estimated uncompressed bytes of the units done / of all units. */
  bytesDone: number;
  bytesTotal: number;
  /** Entries that matched the filter, in the units done. */
  lines: number;
}

export interface RunOptions {
  dir: string;
  units: readonly ScanUnit[];
  filter: FilterSpec;
  engine: EngineSpec;
  /** Worker threads; 1 scans in-process. At most one per unit is started. */
  jobs: number;
  onProgress?: (p: ScanProgress) => void;
  signal?: AbortSignal;
  /** Worker script (tests of the built package may point elsewhere). Default: ./worker.js next to this file. */
  workerUrl?: URL;
}

export interface RunResult {
  accumulator: TriageAccumulator;
  lines: number;
  /** What the reader skipped, in unit order. */
  warnings: ReadWarning[];
  /** Worker threads used (0 when the scan ran in-process). */
  workers: number;
}

/** Units in flight per worker: one being scanned and one queued, so no worker waits for the parent. */
const IN_FLIGHT = 2;

function newProgress(units: readonly ScanUnit[]): ScanProgress {
  return {
    units: units.length,
    unitsDone: 0,
    bytesDone: 0,
    bytesTotal: units.reduce((s, u) => s + u.bytes, 0),
    lines: 0,
  };
}

function sortedWarnings(list: { seq: number; n: number; warning: ReadWarning }[]): ReadWarning[] {
  return list.sort((a, b) => a.seq - b.seq || a.n - b.n).map((w) => w.warning);
}

/** Scans every unit and returns the merged accumulator. */
export async function runScan(opts: RunOptions): Promise<RunResult> {
  opts.signal?.throwIfAborted();
  const jobs = Math.min(Math.max(1, Math.floor(opts.jobs)), opts.units.length);
  opts.onProgress?.(newProgress(opts.units));
  if (jobs <= 1) return scanInProcess(opts);
  return scanInWorkers(opts, jobs);
}

async function scanInProcess(opts: RunOptions): Promise<RunResult> {
  const acc = new TriageAccumulator(opts.engine);
  const filter = compileFilterSpec(opts.filter);
  const progress = newProgress(opts.units);
  const warnings: { seq: number; n: number; warning: ReadWarning }[] = [];
  for (const unit of opts.units) {
    const lines = await scanUnit(
      opts.dir,
      unit,
      filter,
      acc,
      (warning) => warnings.push({ seq: unit.seq, n: warnings.length, warning }),
      opts.signal,
    );
    progress.unitsDone++;
    progress.bytesDone += unit.bytes;
    progress.lines += lines;
    opts.onProgress?.({ ...progress });
  }
  return {
    accumulator: acc,
    lines: progress.lines,
    warnings: sortedWarnings(warnings),
    workers: 0,
  };
}

function scanInWorkers(opts: RunOptions, jobs: number): Promise<RunResult> {
  const url = opts.workerUrl ?? new URL('./worker.js', import.meta.url);
  const init: WorkerInit = { dir: opts.dir, filter: opts.filter, engine: opts.engine };
  const progress = newProgress(opts.units);
  const bytesOf = new Map(opts.units.map((u) => [u.seq, u.bytes]));
  const warnings: { seq: number; n: number; warning: ReadWarning }[] = [];
  const states: (ToParent & { type: 'done' })['state'][] = new Array(jobs);
  const queue = [...opts.units];
  const workers: Worker[] = [];
  const inFlight = new Array<number>(jobs).fill(0);
  let finished = 0;

  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    const stopAll = () => {
      for (const w of workers) void w.terminate();
    };
    const failWith = (err: Error) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      stopAll();
      reject(err);
    };
    const onAbort = () =>
      failWith(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const feed = (i: number) => {
      const w = workers[i]!;
      while (inFlight[i]! < IN_FLIGHT && queue.length > 0) {
        const unit = queue.shift()!;
        inFlight[i]!++;
        w.postMessage({ type: 'unit', unit } satisfies ToWorker);
      }
      if (inFlight[i] === 0 && queue.length === 0) {
        inFlight[i] = -1; // finish sent
        w.postMessage({ type: 'finish' } satisfies ToWorker);
      }
    };

    const onMessage = (i: number, m: ToParent) => {
      if (settled) return;
      switch (m.type) {
        case 'unit-done':
          inFlight[i]!--;
          progress.unitsDone++;
          progress.bytesDone += bytesOf.get(m.seq) ?? 0;
          progress.lines += m.lines;
          opts.onProgress?.({ ...progress });
          feed(i);
          break;
        case 'warning':
          warnings.push({ seq: m.seq, n: warnings.length, warning: m.warning });
          break;
        case 'done':
          states[i] = m.state;
          void workers[i]!.terminate();
          if (++finished === jobs) {
            settled = true;
            opts.signal?.removeEventListener('abort', onAbort);
            try {
              // Worker order: deterministic (and the merge is exact whatever the order).
              const acc = new TriageAccumulator(opts.engine);
              for (const st of states) acc.merge(st);
              resolve({
                accumulator: acc,
                lines: progress.lines,
                warnings: sortedWarnings(warnings),
                workers: jobs,
              });
            } catch (err) {
              reject(err);
            }
          }
          break;
        case 'error': {
          const cause = Object.assign(new Error(m.message), { name: m.name, code: m.code, stack: m.stack });
          failWith(new WorkerFailedError(i + 1, m.code, m.message, { cause }));
          break;
        }
      }
    };

    for (let i = 0; i < jobs; i++) {
      const w = new Worker(url, { workerData: init });
      workers.push(w);
      w.on('message', (m: ToParent) => onMessage(i, m));
      w.on('error', (err) =>
        failWith(new WorkerFailedError(i + 1, (err as { code?: string }).code, err.message, { cause: err })),
      );
      w.on('exit', (code) => {
        if (!settled && states[i] === undefined)
          failWith(new WorkerFailedError(i + 1, undefined, `exited with code ${code} before finishing`));
      });
      feed(i);
    }
  });
}
