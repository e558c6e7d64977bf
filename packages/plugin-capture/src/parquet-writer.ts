/**
 * Parquet encoding through parquet-wasm's streaming writer (arrow-rs): Arrow IPC batches in, Parquet bytes
 * out as row groups fill (zstd, dictionary encoding where it pays, statistics). It runs either inline or
 * in a worker thread: the worker overlaps the encoding with the scan and Arrow building on the main thread,
 * which on two cores takes Parquet export from ~70 to ~130 MB/s (bench/tools.mjs).
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface ParquetSettings {
  rowGroupRows: number;
  metadata?: Record<string, string> | undefined;
}

/** Receives IPC streams of one record batch each, in order; `finish` flushes the footer. */
export interface ParquetEncoder {
  push(ipc: Uint8Array): Promise<void>;
  finish(): Promise<void>;
  /** Stops early (error or abort); never throws. */
  destroy(): Promise<void>;
}

type Out = (chunk: Uint8Array) => void | Promise<void>;

/** The encoder proper, on whatever thread calls it. */
export async function inlineParquetEncoder(settings: ParquetSettings, out: Out): Promise<ParquetEncoder> {
  const pw = await import('parquet-wasm');
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setMaxRowGroupSize(settings.rowGroupRows)
    .setCreatedBy('logtap export');
  if (settings.metadata !== undefined)
    builder = builder.setKeyValueMetadata(new Map(Object.entries(settings.metadata)));
  const props = builder.build();
  // A pull-based source: parquet-wasm asks for the next batch when it has written the previous one.
  const waiting: Array<(v: Uint8Array | null) => void> = [];
  const queued: Array<Uint8Array | null> = [];
  const next = (): Promise<Uint8Array | null> =>
    queued.length > 0 ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve));
  const offer = (v: Uint8Array | null): void => {
    const w = waiting.shift();
    if (w) w(v);
    else queued.push(v);
  };
  const source = new ReadableStream(
    {
      async pull(ctrl) {
        const ipc = await next();
        if (ipc === null) {
          ctrl.close();
          return;
        }
        const t = pw.Table.fromIPCStream(ipc);
        const n = t.numBatches;
        for (let i = 0; i < n; i++) ctrl.enqueue(t.recordBatch(i));
        t.free();
      },
    },
    { highWaterMark: 0 },
  );
  // transformParquetStream reads the first batch before it resolves: start it, do not wait for it here.
  const streaming = pw.transformParquetStream(source, props);
  let reader: ReadableStreamDefaultReader | undefined;
  const pump = (async () => {
    reader = (await streaming).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await out(value as Uint8Array);
    }
  })();
  // Surface a failure of the pump at the next push/finish, not as an unhandled rejection.
  let failure: unknown;
  pump.catch((err: unknown) => {
    failure = err;
    offer(null);
  });
  return {
    async push(ipc) {
      if (failure !== undefined) throw failure;
      offer(ipc);
      // Keep at most one batch waiting: bounded memory whatever the producer's speed.
      while (queued.length > 1 && failure === undefined) await new Promise((r) => setImmediate(r));
    },
    async finish() {
      offer(null);
      await pump;
      if (failure !== undefined) throw failure;
    },
    async destroy() {
      offer(null);
      await reader?.cancel().catch(() => {
        // Already closed or errored: nothing left to release.
      });
    },
  };
}

function workerUrl(): URL {
  const here = new URL('./parquet-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  // Running from the TypeScript sources (jest): the worker is the compiled one in dist/.
  return new URL('../dist/parquet-worker.js', import.meta.url);
}

/** Messages between the main thread and the worker. */
export type ToWorker = { t: 'batch'; ipc: Uint8Array } | { t: 'end' };
export type FromWorker =
  | { t: 'data'; chunk: Uint8Array }
  | { t: 'taken' }
  | { t: 'done' }
  | { t: 'error'; message: string };

/** The encoder in a worker thread; at most two batches in flight. */
export async function workerParquetEncoder(settings: ParquetSettings, out: Out): Promise<ParquetEncoder> {
  const worker = new Worker(workerUrl(), { workerData: settings });
  let credits = 2;
  let creditWaiter: (() => void) | undefined;
  let writes: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  done.catch(() => {
    // Reported through push/finish.
  });
  const fail = (err: Error) => {
    failure ??= err;
    creditWaiter?.();
    settle?.reject(failure);
  };
  worker.on('message', (m: FromWorker) => {
    switch (m.t) {
      case 'data':
        writes = writes.then(() => out(m.chunk));
        writes.catch((err: unknown) => fail(err as Error));
        break;
      case 'taken':
        credits++;
        creditWaiter?.();
        break;
      case 'done':
        settle?.resolve();
        break;
      case 'error':
        fail(new Error(m.message));
        break;
    }
  });
  worker.on('error', (err) => fail(err));
  let stopping = false;
  worker.on('exit', (code) => {
    // terminate() exits with code 1: only an exit we did not ask for is a failure.
    if (!stopping) fail(new Error(`the Parquet worker exited with code ${code}`));
  });
  return {
    async push(ipc) {
      while (credits === 0 && failure === undefined) {
        await new Promise<void>((r) => {
          creditWaiter = r;
        });
        creditWaiter = undefined;
      }
      if (failure !== undefined) throw failure;
      credits--;
      const owned = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
      worker.postMessage({ t: 'batch', ipc: owned } satisfies ToWorker, [owned.buffer as ArrayBuffer]);
    },
    async finish() {
      worker.postMessage({ t: 'end' } satisfies ToWorker);
      await done;
      await writes;
      stopping = true;
      await worker.terminate();
      if (failure !== undefined) throw failure;
    },
    async destroy() {
      stopping = true;
      await worker.terminate();
    },
  };
}
