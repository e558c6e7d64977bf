// Benchmarks of the TUI's costs (run `pnpm --filter @logtap/tui build` first; `pnpm bench` does):
//   1. RecentLines.offer: what the receiver's hot path pays per accepted batch; and sampleEncoded +
//      offerSample for serialised batches (the fast path: 6,000-line pushes of 50 label sets);
//   2. drain + ring + view append: what the view pays per line it takes in;
//   3. one frame of layout (200x60, 10k-line ring, a filter and a search active): the cost of a redraw.
import { EncodedBatchBuilder } from '@logtap/capture';
import { createAppState, LineRing, layoutLive, RecentLines, reduceKey } from '../dist/index.js';
import { appendLines } from '../dist/log-view.js';
import { createStats, sample } from '../dist/stats.js';

const N = 500_000;
const services = ['checkout', 'payments', 'cart', 'frontend', 'search'];
const labels = services.map((app) => ({ app, pod: `${app}-0`, namespace: 'load' }));
const batches = [];
for (let i = 0; i < N; i += 100) {
  const l = labels[(i / 100) % labels.length];
  batches.push(
    Array.from({ length: 100 }, (_, k) => ({
      ts: BigInt(i + k),
      labels: l,
      msg: `GET /api/items/${i + k} 200 ${k}ms level=info`,
    })),
  );
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// 1. offer only (the receiver side; drains every 100 ms keep the backlog far below maxPending).
for (let round = 0; round < 2; round++) {
  const r = new RecentLines({ maxPending: N });
  const s = time(() => {
    for (const b of batches) r.offer(b);
  });
  if (round === 0) continue; // warm-up
  console.log(`offer:        ${(N / s / 1e6).toFixed(1)} M lines/s (${((s / N) * 1e9).toFixed(1)} ns/line)`);
}

// 1b. The serialised path: per batch, a histogram of the label-set column and a copy of the newest 256
//     lines (what tapSink does before the batch moves to the writer thread).
{
  const encoded = [];
  for (let e = 0; e < 20; e++) {
    const b = new EncodedBatchBuilder();
    for (let s = 0; s < 50; s++) {
      const set = b.labelSet({ app: `svc-${s % 10}`, pod: `svc-${s % 10}-${s}`, namespace: 'load' });
      for (let k = 0; k < 120; k++) {
        b.addEntry(
          set,
          1_767_225_600_000_000_000n + BigInt(k),
          `GET /api/items/${e * 6000 + s * 120 + k} 200 ${k}ms level=info user=${k * 7}`,
        );
      }
    }
    encoded.push(b.take());
  }
  const lines = encoded.reduce((a, b) => a + b.n, 0);
  for (let round = 0; round < 3; round++) {
    const r = new RecentLines();
    const reps = 50;
    const s = time(() => {
      for (let k = 0; k < reps; k++) {
        for (const b of encoded) r.offerSample(r.sampleEncoded(b));
        if (k % 5 === 0) r.drainRecent(2000);
      }
    });
    if (round === 0) continue;
    const batches = reps * encoded.length;
    console.log(
      `sampleEncoded+offerSample: ${((s / batches) * 1e6).toFixed(1)} µs per 6,000-line batch (${((s / (reps * lines)) * 1e9).toFixed(1)} ns/line)`,
    );
  }
}

const warm = new Set();
// 2. The view's share at a given ingest rate: every 100 ms it drains what arrived (counting services)
//    and takes the newest 2,000 lines into its ring (level detection, filters, search).
for (const rate of [100_000, 100_000, 500_000, 500_000]) {
  const r = new RecentLines();
  const ring = new LineRing({ maxLines: 10_000 });
  let state = createAppState({ ring, height: 50 });
  const perTick = rate / 10 / 100; // batches of 100 lines per 100 ms tick
  let b = 0;
  let taken = 0;
  const s = time(() => {
    for (let tick = 0; tick < 50; tick++) {
      for (let k = 0; k < perTick; k++) r.offer(batches[b++ % batches.length]);
      const lines = r.drainRecent(2000);
      taken += lines.length;
      state = { ...state, view: appendLines(state.view, ring.push(lines)) };
    }
  });
  const cpuPerSec = (s / 5) * 1000; // 50 ticks = 5 s of ingest
  if (!warm.has(rate)) {
    warm.add(rate); // the first run of each rate warms the JIT up
    continue;
  }
  console.log(
    `view at ${rate / 1000}k lines/s: ${cpuPerSec.toFixed(1)} ms CPU per second of ingest (${(cpuPerSec / 10).toFixed(1)}% of a core); ${taken} lines shown of ${5 * rate}`,
  );
}

// 3. layout of one frame with a filter and a search.
{
  const ring = new LineRing({ maxLines: 10_000 });
  let state = createAppState({ ring, height: 51 });
  state = { ...state, view: appendLines(state.view, ring.push(batches.slice(0, 100).flat())) };
  for (const name of ['/', '!', 'c', 'a', 'r', 't', 'enter', '/', '2', '0', '0', 'enter'])
    state = reduceKey(state, { name }, 0).state;
  let stats = createStats();
  stats = sample(
    stats,
    { inFlight: 1, lines: 0, bytes: 0, dropped: 0, diskBytes: 0, redaction: { enabled: true } },
    0,
  );
  stats = sample(
    stats,
    { inFlight: 1, lines: 1000, bytes: 1e5, dropped: 0, diskBytes: 1e6, redaction: { enabled: true } },
    1000,
  );
  const frames = 500;
  const s = time(() => {
    for (let i = 0; i < frames; i++)
      layoutLive(
        state,
        stats,
        { version: '0.1.0', listen: '127.0.0.1:3100', captureDir: './capture' },
        200,
        60,
      );
  });
  console.log(
    `layout:       ${((s / frames) * 1000).toFixed(2)} ms/frame at 200x60 (${(frames / s).toFixed(0)} frames/s; the view draws ≤ 10/s)`,
  );
}
console.log(`peak RSS:     ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
