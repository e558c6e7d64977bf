// A synthetic capture replayed with runReplayView, for the tmux tests and for trying the keys by hand:
//   node packages/tui/test/demo-replay.mjs [speed]
// 600 entries, one every 100 ms of capture time, from three services.
import { runReplayView } from '../dist/index.js';

const T0 = 1_772_721_125_000_000_000n; // 2026-03-05T14:32:05Z
const services = ['api', 'worker', 'db'];
const entries = Array.from({ length: 600 }, (_, i) => ({
  ts: T0 + BigInt(i) * 100_000_000n,
  labels: { app: services[i % 3] },
  msg: i % 17 === 0 ? `ERROR job ${i} failed` : `job ${i} ok`,
}));
const source = {
  total: entries.length,
  services: async () => services.map((service) => ({ service, lines: 200 })),
  async *entries(signal) {
    for (const e of entries) {
      if (signal.aborted) return;
      yield e;
    }
  },
};
await runReplayView(source, {
  terminal: { input: process.stdin, output: process.stdout, term: process.env.TERM },
  header: { captureDir: './demo-capture', from: entries[0].ts, to: entries.at(-1).ts, lines: entries.length },
  speed: Number(process.argv[2] ?? 1),
});
process.stdout.write('demo: replay closed\n');
process.exit(0);
