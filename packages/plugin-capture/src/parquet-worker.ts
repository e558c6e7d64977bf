/** Worker thread of the Parquet export: runs the inline encoder on IPC batches sent by the main thread. */

import { parentPort, workerData } from 'node:worker_threads';
import {
  type FromWorker,
  inlineParquetEncoder,
  type ParquetSettings,
  type ToWorker,
} from './parquet-writer.js';

const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

// The listener is registered before anything is awaited, so no message is missed.
const ready = inlineParquetEncoder(workerData as ParquetSettings, (chunk) => {
  // The chunk may be a view into wasm memory: copy it into a buffer of its own, then transfer that.
  const own = chunk.slice();
  post({ t: 'data', chunk: own }, [own.buffer as ArrayBuffer]);
});

let chain: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  chain = chain
    .then(async () => {
      const encoder = await ready;
      if (m.t === 'batch') {
        await encoder.push(m.ipc);
        post({ t: 'taken' });
      } else {
        await encoder.finish();
        post({ t: 'done' });
      }
    })
    .catch((err: unknown) => post({ t: 'error', message: err instanceof Error ? err.message : String(err) }));
});
