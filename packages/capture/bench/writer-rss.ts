/**
 * The writer's memory: a fresh process streams `MB` of entries (built 1000 at a time, nothing retained)
 * through a CaptureWriter with default options (maxPendingBytes 64 MiB), then prints its peak RSS. Run by
 * writer.ts as a child process so the figure is the writer's alone.
 */

import { CaptureWriter } from '../src/index.js';
import { corpusEntries } from '../src/test-helpers/corpus.js';
import { cleanup, fmt, peakRssMb, tempCapture } from './common.js';

const MB = Number(process.argv[2] ?? 150);
const pool = corpusEntries(16_000);
const dir = tempCapture('writer-rss');
const w = await CaptureWriter.open(dir, { minFreeBytes: 0 });
const t0 = performance.now();
let ts = 1_705_314_721_000_000_000n;
let backoffs = 0;
for (let n = 0; w.stats().acceptedBytes < MB * 1e6; n++) {
  const batch = [];
  for (let i = 0; i < 1000; i++) {
    const e = pool[(n * 1000 + i) % pool.length]!;
    ts += 50_000n;
    batch.push({ ts, labels: e.labels, msg: e.msg });
  }
  while (!w.append(batch)) {
    backoffs++;
    await new Promise((r) => setImmediate(r));
  }
  if (n % 16 === 15) await new Promise((r) => setImmediate(r));
}
await w.close();
const s = w.stats();
const secs = (performance.now() - t0) / 1000;
console.log(
  `writer streaming, defaults    : ${fmt(s.writtenBytes / 1e6 / secs)} MB/s wall, ${fmt(s.writtenBytes / 1e6)} MB, ` +
    `backoffs ${backoffs}, peak RSS ${fmt(peakRssMb())} MB (whole process, both threads)`,
);
cleanup(dir);
