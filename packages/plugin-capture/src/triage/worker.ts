/**
 * Worker thread of `logtap triage --jobs N`: waits for its scan job, takes units from the queue it
 * shares with the other threads (an atomic counter) and pushes their entries into one
 * TriageAccumulator, then posts the accumulator's snapshot. Snapshots merge exactly (see
 * @logtap/triage, "Parallel use"), so which thread read which unit does not change the report.
 */

import { parentPort } from 'node:worker_threads';
import { TriageAccumulator } from '@logtap/triage';
import type { ToParent, ToWorker } from './protocol.js';
import { compileFilterSpec, scanUnit } from './scan-unit.js';

const port = parentPort;
if (port === null) throw new Error('triage worker: must run in a worker thread');
const post = (m: ToParent) => port.postMessage(m);

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

async function scan(m: ToWorker): Promise<void> {
  const { dir, filter: spec, engine, units, next } = m.job;
  const acc = new TriageAccumulator(engine);
  const filter = compileFilterSpec(spec);
  const counter = new Int32Array(next);
  for (let i = Atomics.add(counter, 0, 1); i < units.length; i = Atomics.add(counter, 0, 1)) {
    const unit = units[i]!;
    const seq = unit.seq;
    const lines = await scanUnit(dir, unit, filter, acc, (warning) =>
      post({ type: 'warning', seq, warning }),
    );
    post({ type: 'unit-done', seq, lines });
  }
  post({ type: 'done', state: acc.snapshot() });
}

port.once('message', (m: ToWorker) => {
  scan(m).catch(fail);
});
