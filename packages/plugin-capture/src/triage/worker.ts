/**
 * Worker thread of `logtap triage --jobs N`: receives scan units one by one, pushes their entries into
 * one TriageAccumulator, and posts the accumulator's snapshot when told to finish. Snapshots merge
 * exactly (see @logtap/triage, "Parallel use"), so which worker read which unit does not change the
 * report.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { TriageAccumulator } from '@logtap/triage';
import type { ToParent, ToWorker, WorkerInit } from './protocol.js';
import { compileFilterSpec, scanUnit } from './scan-unit.js';

const port = parentPort;
if (port === null) throw new Error('triage worker: must run in a worker thread');
const init = workerData as WorkerInit;
const post = (m: ToParent) => port.postMessage(m);

let acc: TriageAccumulator | undefined;
let filter: ReturnType<typeof compileFilterSpec> | undefined;
let chain: Promise<void> = Promise.resolve();

function fail(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  post({
    type: 'error',
    name: e.name,
    message: e.message,
    code: typeof code === 'string' ? code : undefined,
    stack: e.stack,
  });
}

async function handle(m: ToWorker): Promise<void> {
  acc ??= new TriageAccumulator(init.engine);
  filter ??= compileFilterSpec(init.filter);
  if (m.type === 'unit') {
    const seq = m.unit.seq;
    const lines = await scanUnit(init.dir, m.unit, filter, acc, (warning) =>
      post({ type: 'warning', seq, warning }),
    );
    post({ type: 'unit-done', seq, lines });
  } else {
    post({ type: 'done', state: acc.snapshot() });
  }
}

port.on('message', (m: ToWorker) => {
  // One message at a time, in order: units are scanned sequentially into the one accumulator.
  chain = chain.then(() => handle(m)).catch(fail);
});
