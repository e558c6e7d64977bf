/**
 * `append(entries)` against `appendEncoded(batch)`: the same lines written through the worker thread,
 * 1000 lines per call. For the encoded path the caller builds the JSONL bytes itself from each message's
 * UTF-8 bytes (as a receiver does from a decoded Loki protobuf push, see @logtap/receiver), so the writer
 * thread only compresses and writes. Reports MB/s of JSONL written (wall), MB per CPU-second of all
 * threads, the caller thread's busy time per MB (encoding included for the encoded path) and the ratio.
 */

import { performance } from 'node:perf_hooks';
import { CaptureWriter, EncodedBatchBuilder } from '../src/index.js';
import { benchEntries, cleanup, fmt, tempCapture } from './common.js';

const MB = Number(process.env['BENCH_MB'] ?? 150);
const entries = benchEntries(MB);
const NS = 1_000_000_000n;
// The messages as one UTF-8 buffer with offsets: what a decoded push holds.
const wire = Buffer.from(entries.map((e) => e.msg).join(''));
const starts = new Uint32Array(entries.length + 1);
for (let i = 0, o = 0; i < entries.length; i++) {
  starts[i] = o;
  o += Buffer.byteLength(entries[i]!.msg);
  starts[i + 1] = o;
}
const sec = Float64Array.from(entries, (e) => Number(e.ts / NS));
const nsec = Uint32Array.from(entries, (e) => Number(e.ts % NS));

async function run(label: string, encoded: boolean, level: number): Promise<void> {
  const dir = tempCapture('encoded');
  const w = await CaptureWriter.open(dir, { zstdLevel: level, minFreeBytes: 0, maxPendingBytes: 64 << 20 });
  const b = new EncodedBatchBuilder();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let backoffs = 0;
  for (let i = 0; i < entries.length; i += 1000) {
    const end = Math.min(entries.length, i + 1000);
    if (encoded) {
      for (let k = i; k < end; k++) {
        b.addUtf8(b.labelSet(entries[k]!.labels), sec[k]!, nsec[k]!, wire, starts[k]!, starts[k + 1]!);
      }
      const batch = b.take(b.bytes, 1000);
      while (!w.appendEncoded(batch)) {
        backoffs++;
        await new Promise((r) => setTimeout(r, 1));
      }
    } else {
      const batch = entries.slice(i, end);
      while (!w.append(batch)) {
        backoffs++;
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    if ((i / 1000) % 16 === 15) await new Promise((r) => setImmediate(r));
  }
  await w.close();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const s = w.stats();
  const mb = s.writtenBytes / 1e6;
  console.log(
    `${label.padEnd(22)} level ${level}: ${fmt(mb / secs).padStart(4)} MB/s wall, ` +
      `${fmt(mb / ((cpu.user + cpu.system) / 1e6)).padStart(4)} MB per CPU-second, caller thread ${fmt(elu.active / mb, 2)} ms/MB, ` +
      `ratio ${fmt(s.writtenBytes / s.compressedBytes, 2)}, ${fmt(mb)} MB, backoffs ${backoffs}`,
  );
  cleanup(dir);
}

console.log(`corpus: ${entries.length} entries (~${MB} MB of JSONL) from loghub, 24 label sets`);
await run('warm-up', true, 1);
for (const level of [1, 3]) {
  await run('append(entries)', false, level);
  await run('appendEncoded(batch)', true, level);
}
