/**
 * Why `append()` hands entries to the writer thread as columns: the caller's thread (the receiver's HTTP
 * thread) is the scarce one. Three hand-offs of the same entries to a worker, 1000 entries per message:
 *   A  JSON lines built on the caller, encoded to UTF-8, the ArrayBuffer transferred;
 *   B  the entry objects, structured-cloned;
 *   C  columns (batch.ts: message strings, BigInt64Array timestamps, label-set indexes, label sets as
 *      JSON), typed arrays transferred — what CaptureWriter does.
 * Reports the caller's time per MB of JSONL, and the time until the worker has received everything (its
 * deserialisation included). Best of 5 runs each.
 */

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { BatchBuilder } from '../src/batch.js';
import { EntryEncoder } from '../src/index.js';
import { benchEntries, fmt } from './common.js';

const entries = benchEntries(60);
const enc = new EntryEncoder();
const mb = entries.reduce((n, e) => n + Buffer.byteLength(enc.encode(e)), 0) / 1e6;
const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', (m) => { if (m === 'done') parentPort.postMessage('ok'); });`,
  { eval: true },
);
const drained = () =>
  new Promise<void>((r) => {
    worker.once('message', () => r());
    worker.postMessage('done');
  });

async function measure(label: string, send: () => void): Promise<void> {
  let caller = Number.POSITIVE_INFINITY;
  let total = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    send();
    const t1 = performance.now();
    await drained();
    caller = Math.min(caller, t1 - t0);
    total = Math.min(total, performance.now() - t0);
  }
  console.log(
    `handoff ${label.padEnd(30)}: caller ${fmt(caller / mb, 2)} ms/MB (${fmt(mb / (caller / 1000)).padStart(4)} MB/s), ` +
      `until received ${fmt(total / mb, 2)} ms/MB`,
  );
}

await measure('A: JSON on caller + transfer', () => {
  const e = new EntryEncoder();
  for (let i = 0; i < entries.length; i += 1000) {
    let s = '';
    for (let j = i; j < Math.min(i + 1000, entries.length); j++) s += e.encode(entries[j]!);
    const buf = Buffer.from(s);
    worker.postMessage(buf.buffer, [buf.buffer as ArrayBuffer]);
  }
});
await measure('B: entry objects, cloned', () => {
  for (let i = 0; i < entries.length; i += 1000) worker.postMessage(entries.slice(i, i + 1000));
});
await measure('C: columns (CaptureWriter)', () => {
  const b = new BatchBuilder();
  const e = new EntryEncoder(); // label JSON cached per labels object, as CaptureWriter does
  for (let i = 0; i < entries.length; i += 1000) {
    for (let j = i; j < Math.min(i + 1000, entries.length); j++)
      b.add(entries[j]!, e.labelsJson(entries[j]!.labels));
    const batch = b.take();
    worker.postMessage(batch, [batch.ts.buffer as ArrayBuffer, batch.sets.buffer as ArrayBuffer]);
  }
});
await worker.terminate();
