// A writer process for the crash test: appends numbered lines (seq=N) as fast as the writer accepts them,
// flushes every 2000 lines (numbering starts at argv[3]) and reports `flushed <last seq>` once a flush resolved. The parent kills it
// with SIGKILL at a random moment. Runs the built package (dist/).
import { CaptureWriter } from '../../dist/index.js';

const dir = process.argv[2];
const first = Number(process.argv[3] ?? 0);
const w = await CaptureWriter.open(dir, { minFreeBytes: 0, maxFileBytes: 256 * 1024, flushInterval: 100 });
const labels = [
  { app: 'a', pod: 'a-1' },
  { app: 'b', pod: 'b-1' },
];
let seq = first;
process.stdout.write('ready\n');
for (;;) {
  const batch = [];
  for (let i = 0; i < 200; i++) {
    const s = seq + i;
    batch.push({
      ts: 1_700_000_000_000_000_000n + BigInt(s) * 1000n,
      labels: labels[s % 2],
      msg: `seq=${s} ${'x'.repeat(s % 300)}`,
    });
  }
  if (w.append(batch)) seq += 200;
  if ((seq - first) % 2000 === 0) {
    const upto = seq - 1;
    await w.flush();
    process.stdout.write(`flushed ${upto}\n`);
  } else {
    await new Promise((r) => setImmediate(r));
  }
}
