/**
 * Reader throughput: a capture written once (loghub corpus, default settings), then scanned with
 * readEntryBatches: no filter, a message regex, a label matcher, and a narrow time window (pruning by the
 * frame table). Reports MB/s of uncompressed JSONL decoded into entries (bytes of the lines returned or
 * examined), lines/s and peak RSS. Also times readEntries (one promise per entry) for comparison.
 */

import { performance } from 'node:perf_hooks';
import { CaptureWriter, type EntryFilter, openCapture, readEntries, readEntryBatches } from '../src/index.js';
import { benchEntries, cleanup, fmt, peakRssMb, tempCapture } from './common.js';

const MB = Number(process.env['BENCH_MB'] ?? 150);
const dir = tempCapture('reader');
{
  const entries = benchEntries(MB);
  const w = await CaptureWriter.open(dir, { minFreeBytes: 0, maxPendingBytes: 512 << 20 });
  for (let i = 0; i < entries.length; i += 1000) {
    while (!w.append(entries.slice(i, i + 1000))) await new Promise((r) => setImmediate(r));
  }
  await w.close();
}
const cap = await openCapture(dir);
const bytes = cap.indexedBytes;
console.log(
  `capture: ${cap.files.length} files, ${cap.indexedLines} lines, ${fmt(bytes / 1e6)} MB uncompressed, ${fmt(cap.diskBytes / 1e6, 1)} MB on disk`,
);
if (global.gc) global.gc();

async function scan(label: string, filter: EntryFilter | undefined, perEntry = false): Promise<void> {
  const t0 = performance.now();
  let n = 0;
  if (perEntry) {
    for await (const _ of readEntries(cap, filter)) n++;
  } else {
    for await (const b of readEntryBatches(cap, filter)) n += b.length;
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `reader ${label.padEnd(30)}: ${fmt(bytes / 1e6 / secs).padStart(4)} MB/s, ${fmt(cap.indexedLines / secs / 1e6, 2)} M lines/s scanned, ${n} matched, ${fmt(secs, 2)} s`,
  );
}

await scan('batches, no filter', undefined);
await scan('batches, regex /ERROR|Exception/', { msg: 'ERROR|Exception' });
await scan('batches, label app=hdfs', { labels: [{ name: 'app', op: '=', value: 'hdfs' }] });
const mid = cap.from! + (cap.to! - cap.from!) / 2n;
await scan('batches, 1% time window', { from: mid, to: mid + (cap.to! - cap.from!) / 100n });
await scan('readEntries (per entry)', undefined, true);
console.log(`peak RSS ${fmt(peakRssMb())} MB`);
cleanup(dir);
