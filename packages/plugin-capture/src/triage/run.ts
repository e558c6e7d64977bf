/**
 * Runs the scan half of `logtap triage` on `jobs` threads: the main thread and `jobs - 1` worker
 * threads take units from one queue, an atomic counter they share, the moment they are free (so a
 * thread slowed down by a busy core takes fewer, and no thread waits for another to hand it work), each
 * keeping one accumulator. The main thread merges the workers' snapshots into its own in worker order;
 * merging is exact and order-free, so the state, and the report built from it, are the same for any
 * `jobs` and any assignment of units to threads.
 */

import { Worker } from 'node:worker_threads';
import type { ReadWarning } from '@logtap/capture';
import { TriageAccumulator, type TriageState } from '@logtap/triage';
import { WorkerFailedError } from './errors.js';
import type { EngineSpec, ToParent, ToWorker } from './protocol.js';
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
  /**
   * Workers started beforehand with {@link startScanWorkers} (their start-up then overlaps opening the
   * capture and planning). Used up to `jobs - 1`; the caller closes the set afterwards. Without them,
   * workers are started here.
   */
  workers?: ScanWorkers;
}

export interface RunResult {
  accumulator: TriageAccumulator;
  lines: number;
  /** What the reader skipped, in unit order. */
  warnings: ReadWarning[];
  /** Threads that scanned: 1 in-process, else the main thread and `threads - 1` workers. */
  threads: number;
}

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

/** Worker threads started ahead of their scan job (see {@link RunOptions.workers}). */
export class ScanWorkers {
  readonly #workers: Worker[] = [];
  /** The first failure of each worker before its job was given (an `error` needs a listener at once). */
  readonly #early = new Map<Worker, Error>();
  #used = 0;

  constructor(count: number, url: URL = new URL('./worker.js', import.meta.url)) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(url);
      w.on('error', (err) => {
        if (!this.#early.has(w)) this.#early.set(w, err);
      });
      w.on('exit', (code) => {
        if (!this.#early.has(w)) this.#early.set(w, new Error(`exited with code ${code} before its job`));
      });
      this.#workers.push(w);
    }
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Takes the next unused worker, with the error it already hit (if any). */
  take(): { worker: Worker; early: Error | undefined } | undefined {
    const worker = this.#workers[this.#used];
    if (worker === undefined) return undefined;
    this.#used++;
    return { worker, early: this.#early.get(worker) };
  }

  /** Ends every worker (those that finished their job have ended already). */
  close(): void {
    this.#used = this.#workers.length;
    for (const w of this.#workers) void w.terminate();
  }
}

/** Starts `count` triage workers now; pass them to {@link runScan} and close them after. */
export function startScanWorkers(count: number, url?: URL): ScanWorkers {
  return new ScanWorkers(Math.max(0, Math.floor(count)), url);
}

/**
 * `jobs` threads: the main thread scans too (it has nothing else to do while the workers scan, and it
 * saves one worker's start-up and warm-up), next to `jobs - 1` worker threads.
 */
function scanInWorkers(opts: RunOptions, jobs: number): Promise<RunResult> {
  const own = opts.workers === undefined ? new ScanWorkers(jobs - 1) : undefined;
  const pool = opts.workers ?? own!;
  const progress = newProgress(opts.units);
  const bytesOf = new Map(opts.units.map((u) => [u.seq, u.bytes]));
  const warnings: { seq: number; n: number; warning: ReadWarning }[] = [];
  const units = [...opts.units];
  const next = new SharedArrayBuffer(4);
  const counter = new Int32Array(next);
  const acc = new TriageAccumulator(opts.engine);
  const filter = compileFilterSpec(opts.filter);
  const job: ToWorker = {
    type: 'scan',
    job: { dir: opts.dir, filter: opts.filter, engine: opts.engine, units, next },
  };
  const workers: Worker[] = [];
  const states: TriageState[] = [];
  let finished = 0;
  let mainDone = false;

  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    const failWith = (err: Error) => {
      if (settled) return;
      settled = true;
      Atomics.store(counter, 0, units.length); // nothing more to take
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      own?.close();
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
      if (settled || !mainDone || finished < workers.length) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      own?.close();
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

    const onMessage = (i: number, m: ToParent) => {
      if (settled) return;
      switch (m.type) {
        case 'unit-done':
          unitDone(m.seq, m.lines);
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

    for (let i = 0; i < jobs - 1; i++) {
      const taken = pool.take();
      if (taken === undefined) break; // fewer pre-started workers than jobs: the others share the work
      const w = taken.worker;
      const fail = (err: Error) =>
        failWith(new WorkerFailedError(i + 1, (err as { code?: string }).code, err.message, { cause: err }));
      if (taken.early !== undefined) {
        fail(taken.early);
        return;
      }
      workers.push(w);
      w.on('message', (m: ToParent) => onMessage(i, m));
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!settled && states[i] === undefined)
          failWith(new WorkerFailedError(i + 1, undefined, `exited with code ${code} before finishing`));
      });
      w.postMessage(job);
    }

    // The main thread takes units from the same queue; worker messages are handled at each await.
    void (async () => {
      for (let i = Atomics.add(counter, 0, 1); !settled && i < units.length; i = Atomics.add(counter, 0, 1)) {
        const unit = units[i]!;
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
