/**
 * Runs the scan half of `logtap triage` on `jobs` threads: the main thread and `jobs - 1` worker
 * threads pull units from one queue as they finish the previous ones (so a thread slowed down by a
 * busy core takes fewer), each keeping one accumulator. The main thread merges the workers'
 * snapshots into its own in worker order; merging is exact and order-free, so the state, and the
 * report built from it, are the same for any `jobs` and any assignment of units to threads.
 */

import { Worker } from 'node:worker_threads';
import type { ReadWarning } from '@logtap/capture';
import { TriageAccumulator, type TriageState } from '@logtap/triage';
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
  /** Threads that scan (the main thread and `jobs - 1` workers); at most one per unit. */
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
  /** Threads that scanned: 1 in-process, else the main thread and `threads - 1` workers. */
  threads: number;
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
    threads: 1,
  };
}

/**
 * `jobs` threads: the main thread scans too (it has nothing else to do but hand out units, and it
 * saves one worker's start-up and warm-up), next to `jobs - 1` worker threads.
 */
function scanInWorkers(opts: RunOptions, jobs: number): Promise<RunResult> {
  const url = opts.workerUrl ?? new URL('./worker.js', import.meta.url);
  const init: WorkerInit = { dir: opts.dir, filter: opts.filter, engine: opts.engine };
  const nWorkers = jobs - 1;
  const progress = newProgress(opts.units);
  const bytesOf = new Map(opts.units.map((u) => [u.seq, u.bytes]));
  const warnings: { seq: number; n: number; warning: ReadWarning }[] = [];
  const states: TriageState[] = new Array(nWorkers);
  const queue = [...opts.units];
  const workers: Worker[] = [];
  const inFlight = new Array<number>(nWorkers).fill(0);
  const acc = new TriageAccumulator(opts.engine);
  const filter = compileFilterSpec(opts.filter);
  let finished = 0;
  let mainDone = false;

  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    const failWith = (err: Error) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const onAbort = () =>
      failWith(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const unitDone = (seq: number, lines: number) => {
      progress.unitsDone++;
      progress.bytesDone += bytesOf.get(seq) ?? 0;
      progress.lines += lines;
      opts.onProgress?.({ ...progress });
    };

    const maybeFinish = () => {
      if (settled || !mainDone || finished < nWorkers) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      try {
        // Worker order after the main thread's own units: deterministic, and the merge is exact
        // whatever the order.
        for (const st of states) acc.merge(st);
        resolve({
          accumulator: acc,
          lines: progress.lines,
          warnings: sortedWarnings(warnings),
          threads: jobs,
        });
      } catch (err) {
        reject(err);
      }
    };

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
          unitDone(m.seq, m.lines);
          feed(i);
          break;
        case 'warning':
          warnings.push({ seq: m.seq, n: warnings.length, warning: m.warning });
          break;
        case 'done':
          states[i] = m.state;
          void workers[i]!.terminate();
          finished++;
          maybeFinish();
          break;
        case 'error': {
          const cause = Object.assign(new Error(m.message), { name: m.name, code: m.code, stack: m.stack });
          failWith(new WorkerFailedError(i + 1, m.code, m.message, { cause }));
          break;
        }
      }
    };

    for (let i = 0; i < nWorkers; i++) {
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

    // The main thread takes units from the same queue; worker messages are handled at each await.
    void (async () => {
      while (!settled && queue.length > 0) {
        const unit = queue.shift()!;
        const lines = await scanUnit(
          opts.dir,
          unit,
          filter,
          acc,
          (warning) => warnings.push({ seq: unit.seq, n: warnings.length, warning }),
          opts.signal,
        );
        if (!settled) unitDone(unit.seq, lines);
      }
      mainDone = true;
      maybeFinish();
    })().catch((err: unknown) => failWith(err instanceof Error ? err : new Error(String(err))));
  });
}
