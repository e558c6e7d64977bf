/**
 * Reader throughput: a capture written once by another process (loghub corpus, default settings), then
 * scanned with readEntryBatches: no filter, a message regex, a label matcher, and a narrow time window
 * (pruned by the frame table). MB/s counts the capture's uncompressed bytes (every line is decompressed and
 * parsed into an entry, except what pruning skips), wall and per CPU-second (all threads). Also times
 * readEntries (one promise per entry). Peak RSS is this process's: the reader's bounded memory.
 */

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type EntryFilter, openCapture, readEntries, readEntryBatches } from '../src/index.js';
import { cleanup, fmt, peakRssMb, tempCapture } from './common.js';

const MB = Number(process.env['BENCH_MB'] ?? 150);
const dir = tempCapture('reader');
// Written by another process, so this one's peak RSS is the reader's alone.
execFileSync(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./make-capture.ts', import.meta.url)), dir, String(MB)],
  {
    stdio: 'inherit',
  },
);
const cap = await openCapture(dir);
const bytes = cap.indexedBytes;
console.log(
  `capture: ${cap.files.length} files, ${cap.indexedLines} lines, ${fmt(bytes / 1e6)} MB uncompressed, ${fmt(cap.diskBytes / 1e6, 1)} MB on disk`,
);
if (global.gc) global.gc();

async function scan(label: string, filter: EntryFilter | undefined, perEntry = false): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  if (perEntry) {
    for await (const _ of readEntries(cap, filter)) n++;
  } else {
    for await (const b of readEntryBatches(cap, filter)) n += b.length;
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  console.log(
    `reader ${label.padEnd(32)}: ${fmt(bytes / 1e6 / secs).padStart(5)} MB/s wall, ${fmt(bytes / 1e6 / cpuSecs).padStart(5)} MB per CPU-second, ` +
      `${fmt(cap.indexedLines / secs / 1e6, 2)} M lines/s, ${n} matched`,
  );
}

await scan('warm-up (not a result)', undefined);
await scan('batches, no filter', undefined);
await scan('batches, regex /ERROR|Exception/', { msg: 'ERROR|Exception' });
await scan('batches, label app=hdfs', { labels: [{ name: 'app', op: '=', value: 'hdfs' }] });
const mid = cap.from! + (cap.to! - cap.from!) / 2n;
await scan('batches, 1% time window', { from: mid, to: mid + (cap.to! - cap.from!) / 100n });
await scan('readEntries (per entry)', undefined, true);
console.log(`peak RSS ${fmt(peakRssMb())} MB`);
cleanup(dir);
