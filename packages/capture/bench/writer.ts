/**
 * Writer throughput: entries from the loghub corpus appended in push-sized batches (1000 entries) as fast as
 * `append` accepts them, until `close()` has written everything. Reports MB/s of uncompressed JSONL written,
 * lines/s, the compression ratio, the caller thread's busy share (event-loop utilisation: what the
 * receiver's thread pays), and peak RSS. Modes: `worker` (default design) and `inline` (everything on one
 * thread). "MB per CPU-second" divides by the CPU time of all threads: the one-core figure, robust to other
 * load on the machine.
 */

import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../src/index.js';
import { benchEntries, cleanup, fmt, peakRssMb, tempCapture } from './common.js';

const MB = Number(process.env['BENCH_MB'] ?? 150);
const entries = benchEntries(MB);

async function run(label: string, worker: boolean, level: number): Promise<void> {
  const dir = tempCapture('writer');
  const w = await CaptureWriter.open(dir, {
    worker,
    zstdLevel: level,
    minFreeBytes: 0,
    maxPendingBytes: 256 << 20,
  });
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rejected = 0;
  for (let i = 0; i < entries.length; i += 1000) {
    const batch = entries.slice(i, i + 1000);
    while (!w.append(batch)) {
      rejected++;
      await new Promise((r) => setImmediate(r)); // back off like a receiver answering 429
    }
    if ((i / 1000) % 16 === 15) await new Promise((r) => setImmediate(r)); // let messages flow
  }
  await w.close();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const s = w.stats();
  const mb = s.writtenBytes / 1e6;
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  console.log(
    `writer ${label.padEnd(8)} level ${String(level).padStart(2)}: ${fmt(mb / secs).padStart(4)} MB/s wall, ` +
      `${fmt(mb / cpuSecs).padStart(4)} MB per CPU-second (all threads), ${fmt(s.writtenLines / secs / 1e6, 2)} M lines/s, ` +
      `ratio ${fmt(s.writtenBytes / s.compressedBytes, 2)}, caller thread ${fmt(elu.active / mb, 2)} ms/MB, ` +
      `${fmt(mb)} MB, backoffs ${rejected}`,
  );
  cleanup(dir);
}

console.log(`corpus: ${entries.length} entries (~${MB} MB of JSONL) from loghub, 24 label sets`);
const rssBefore = peakRssMb();
await run('warm-up', true, 3); // JIT and page cache; not a result
for (const level of [1, 3, 6]) await run('worker', true, level);
await run('inline', false, 3);
console.log(
  `peak RSS ${fmt(peakRssMb())} MB, of which ${fmt(rssBefore)} MB before any writer ran (the entries held in memory)`,
);
// The writer's own footprint, measured in a fresh process that does not hold the corpus.
execFileSync(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./writer-rss.ts', import.meta.url)), String(MB)],
  { stdio: 'inherit' },
);
