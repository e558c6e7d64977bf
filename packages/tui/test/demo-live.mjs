// A synthetic live source driving runLiveView, for the tmux tests and for trying the keys by hand:
//   node packages/tui/test/demo-live.mjs [linesPerSecond]
// Lines are deterministic (seeded by their sequence number). Quitting prints "demo: quit after N lines".
import { runLiveView } from '../dist/index.js';

const rate = Number(process.argv[2] ?? 200);
const services = ['checkout', 'payments', 'cart', 'frontend', 'search-日本'];
const messages = [
  (i) => `GET /api/items/${i} 200 ${i % 97}ms`,
  (i) => `level=warn msg="slow query" took=${(i % 7) * 100}ms`,
  (i) => `ERROR payment declined for order ${i}: card expired`,
  (i) => `注文 ${i} を処理しました 😀 done`,
  (i) => `{"level":"debug","msg":"cache miss","key":"user:${i}"}`,
  (i) => `request ${i} ` + 'x'.repeat(150) + ' END',
];
let seq = 0;
let pending = [];
let lines = 0;
let bytes = 0;
const perService = new Map();
const started = Date.now();
const timer = setInterval(() => {
  const due = Math.floor(((Date.now() - started) / 1000) * rate) - seq;
  for (let k = 0; k < due; k++) {
    const i = seq++;
    const service = services[i % services.length];
    const msg = messages[(i * 7) % messages.length](i);
    pending.push({
      ts: BigInt(Date.now()) * 1_000_000n + BigInt(i % 1000),
      labels: { app: service, pod: `${service}-0` },
      msg,
    });
    lines++;
    bytes += Buffer.byteLength(msg);
    perService.set(service, (perService.get(service) ?? 0) + 1);
  }
  if (pending.length > 50_000) pending = pending.slice(-50_000);
}, 20);

const source = {
  stats: () => ({
    inFlight: 1,
    lines,
    bytes,
    dropped: process.env.DEMO_DROPPED ? 7 : 0,
    diskBytes: bytes / 5,
    diskCapBytes: 64 * 1024 * 1024,
    redaction: process.env.DEMO_NO_REDACT
      ? { enabled: false }
      : { enabled: true, rules: ['email', 'jwt'], hits: 3 },
    services: perService,
  }),
  drainRecent: (max) => pending.splice(0, Math.min(max, pending.length)),
  onQuit: async () => {
    clearInterval(timer);
  },
};

const written = [];
await runLiveView(source, {
  terminal: { input: process.stdin, output: process.stdout, term: process.env.TERM },
  header: { version: '0.1.0', listen: '127.0.0.1:3100', captureDir: './demo-capture' },
  writeCapture: async (dir, entries) => {
    written.push({ dir, lines: entries.length });
    return { dir, lines: entries.length };
  },
});
process.stdout.write(`demo: quit after ${lines} lines; writes ${JSON.stringify(written)}\n`);
process.exit(0);
