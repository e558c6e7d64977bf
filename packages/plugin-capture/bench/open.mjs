// Replay throughput and memory of `logtap open` at --speed 0: streams a capture through the replay view
// (layout included, drawing to a null terminal) and reports lines/s, MB/s and peak RSS, which stays flat
// whatever the capture size because only the scrollback ring is kept.
//   pnpm --filter @logtap/plugin-capture build && node packages/plugin-capture/bench/open.mjs [lines]

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter, readEntries } from '@logtap/capture';
import { runReplayView } from '@logtap/tui';
import { prepareReplay } from '../dist/replay-source.js';

const N = Number(process.argv[3] ?? process.argv[2] ?? 1_000_000);
if (process.argv[2] === '--write') {
  await writeCapture(process.argv[4], N);
  process.exit(0);
}
const base = await mkdtemp(join(tmpdir(), 'logtap-open-bench-'));
const dir = join(base, 'capture');
// Written by a child process, so this process's peak RSS is the replay's alone.
execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--write', String(N), dir], {
  stdio: 'inherit',
});
const bytes = Number(
  execFileSync('sh', ['-c', `zstd -dc ${dir}/*.zst | wc -c`])
    .toString()
    .trim(),
);

async function writeCapture(dir, N) {
  const services = ['checkout', 'payments', 'cart', 'frontend', 'search'];
  const w = await CaptureWriter.open(dir);
  const T0 = 1_772_721_125_000_000_000n;
  for (let i = 0; i < N; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(N, i + 1000); k++) {
      const msg = `level=info msg="request served" path=/api/items/${k} status=200 dur=${k % 100}ms user=u${k % 9973}`;
      batch.push({
        ts: T0 + BigInt(k) * 1_000_000n,
        labels: { app: services[k % 5], pod: `${services[k % 5]}-${k % 3}` },
        msg,
      });
    }
    while (!w.append(batch)) await w.flush();
  }
  await w.close();
}

// The reader alone, for comparison.
{
  let n = 0;
  const t0 = performance.now();
  for await (const _ of readEntries(dir)) n++;
  const s = (performance.now() - t0) / 1000;
  console.log(
    `readEntries alone: ${(n / s / 1e3).toFixed(0)}k lines/s, ${(bytes / s / 1e6).toFixed(1)} MB/s (uncompressed JSONL)`,
  );
}

const prepared = await prepareReplay({ dir });
let seen = 0;
const ac = new AbortController();
const source = {
  ...prepared.source,
  async *entries(signal) {
    for await (const e of prepared.source.entries(signal)) {
      seen++;
      yield e;
    }
    setTimeout(() => ac.abort(), 0); // quit once everything was read
  },
};
const nullTerminal = { cols: 200, rows: 60, draw() {}, onKey() {}, onResize() {}, destroy() {} };
const t0 = performance.now();
await runReplayView(source, {
  terminal: nullTerminal,
  header: prepared.header,
  speed: 0,
  noPicker: true,
  signal: ac.signal,
});
const s = (performance.now() - t0) / 1000;
console.log(
  `open --speed 0: ${seen} lines in ${s.toFixed(2)} s = ${(seen / s / 1e3).toFixed(0)}k lines/s, ${(bytes / s / 1e6).toFixed(1)} MB/s (uncompressed JSONL)`,
);
console.log(
  `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB for a capture of ${(bytes / 1e6).toFixed(0)} MB`,
);
await rm(base, { recursive: true, force: true });
