/**
 * Why `append()` posts entries by structured clone instead of serialising JSON on the caller's thread:
 * measures the caller-thread cost per MB of both hand-offs to a worker (the receiver's HTTP thread is the
 * scarce one). A: build JSONL strings + encode + transfer the ArrayBuffer; B: postMessage the entry arrays.
 */

import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { EntryEncoder } from '../src/index.js';
import { benchEntries, fmt } from './common.js';

const entries = benchEntries(60);
const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', (m) => { if (m === 'done') parentPort.postMessage('ok'); });`,
  { eval: true },
);
const done = () =>
  new Promise<void>((r) => {
    worker.once('message', () => r());
    worker.postMessage('done');
  });

async function measure(label: string, send: () => number): Promise<void> {
  send(); // warm up
  await done();
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const bytes = send();
  const callerMs = performance.now() - t0;
  await done();
  void elu0;
  console.log(
    `handoff ${label.padEnd(34)}: caller thread ${fmt(callerMs / (bytes / 1e6), 2)} ms/MB (${fmt(bytes / 1e6 / (callerMs / 1000))} MB/s)`,
  );
}

await measure('A: JSON on caller + transfer', () => {
  const enc = new EntryEncoder();
  let total = 0;
  for (let i = 0; i < entries.length; i += 1000) {
    let s = '';
    for (let j = i; j < Math.min(i + 1000, entries.length); j++) s += enc.encode(entries[j]!);
    const buf = Buffer.from(s);
    total += buf.length;
    worker.postMessage(buf.buffer, [buf.buffer as ArrayBuffer]);
  }
  return total;
});
await measure('B: structured clone of entries', () => {
  const enc = new EntryEncoder();
  let total = 0;
  for (let i = 0; i < entries.length; i += 1000) {
    const batch = entries.slice(i, i + 1000);
    worker.postMessage([batch]);
    for (const e of batch) total += e.msg.length + enc.labelsJson(e.labels).length + 56; // what append() estimates
  }
  return total;
});
await worker.terminate();
