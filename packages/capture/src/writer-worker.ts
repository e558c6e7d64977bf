/**
 * Entry point of the writer's worker thread: runs a CoreHost with the configuration from `workerData`.
 * Between messages the caller's clock is extrapolated with the thread's monotonic clock, so frames are
 * flushed on time even while the caller's thread is busy.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { CoreHost, type ToCore } from './core-host.js';
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
