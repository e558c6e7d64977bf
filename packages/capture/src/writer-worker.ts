/**
 * Entry point of the writer's worker thread: runs a CoreHost with the configuration from `workerData`.
 * Between messages the caller's clock is extrapolated with the thread's monotonic clock, so frames are
 * flushed on time even while the caller's thread is busy.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { CoreHost, type FromCore, type ToCore } from './core-host.js';
import { batchBuffers } from './encoded-batch.js';
import type { CoreConfig } from './writer-config.js';

interface WorkerInit {
  config: CoreConfig;
  now: number;
}

const port = parentPort;
if (port === null) throw new Error('writer-worker.js must run as a worker thread');
const init = workerData as WorkerInit;
let offset = init.now - performance.now();
const host = new CoreHost(
  {
    post: (msg) => port.postMessage(msg),
    // This thread's copy of the batch is done with: its buffers go back to the caller, moved.
    recycle: (batch) => {
      const buffers = batchBuffers(batch);
      port.postMessage({ t: 'recycle', buffers } satisfies FromCore, buffers);
    },
    now: () => performance.now() + offset,
    // After close the caller terminates this thread once it has the final stats.
  },
  init.config,
  init.now,
);
port.on('message', (msg: ToCore) => {
  offset = msg.now - performance.now();
  host.handle(msg);
});
