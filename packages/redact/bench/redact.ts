/**
 * Redaction throughput on the loghub corpus (8 systems x 2k real lines, 2.4 MB), one core.
 *
 * Each configuration redacts every line `--rounds` times after a warm-up; the best round is reported
 * as MB/s and lines/s of wall time and of CPU time (user+system of this process: stable on a shared
 * machine where wall time is not). Peak RSS is process.resourceUsage().maxRSS at the end.
 * Usage: pnpm --filter @logtap/redact bench [--rounds N] [--per-rule] [--json]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { RedactorOptions } from '../src/index.js';

// Measure the built code (what the receiver runs), typed from the sources so typecheck needs no build.
const { compileRedactor, createRedactStream, listRules } = (await import(
  new URL('../dist/index.js', import.meta.url).href
)) as typeof import('../src/index.js');

const { values } = parseArgs({
  // `pnpm bench -- --flag` passes the `--` through.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    rounds: { type: 'string', default: '8' },
    'per-rule': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    corpus: { type: 'string', default: join(import.meta.dirname, '../../../../shared/corpus/loghub') },
  },
});

const dir = values.corpus!;
const lines: string[] = [];
for (const d of readdirSync(dir, { withFileTypes: true })) {
  if (!d.isDirectory()) continue;
  for (const l of readFileSync(join(dir, d.name, `${d.name}_2k.log`), 'utf8').split('\n'))
    if (l) lines.push(l);
}
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
const rounds = Number(values.rounds);

interface Result {
  name: string;
  wallMBs: number;
  cpuMBs: number;
  wallLinesPerSec: number;
  cpuLinesPerSec: number;
  hits: number;
}

function measure(name: string, opts: RedactorOptions): Result {
  const r = compileRedactor(opts);
  let hits = 0;
  for (const l of lines) hits += r.redact(l).hits; // warm-up (JIT) and hit count
  let bestWall = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const l of lines) r.redact(l);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    bestWall = Math.min(bestWall, wall);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
  }
  return {
    name,
    wallMBs: bytes / 1e6 / bestWall,
    cpuMBs: bytes / 1e6 / bestCpu,
    wallLinesPerSec: lines.length / bestWall,
    cpuLinesPerSec: lines.length / bestCpu,
    hits,
  };
}

const configs: [string, RedactorOptions][] = [
  ['all rules', {}],
  ['all rules + keyed hashing', { hashKey: new Uint8Array(32).fill(7) }],
  ['secrets', { rules: ['secrets'] }],
  ['pii', { rules: ['pii'] }],
  ['network', { rules: ['network'] }],
  ['all rules + 1 custom (RE2)', { custom: [{ name: 'order_id', pattern: 'ORD-[0-9]{8}' }] }],
];
if (values['per-rule']) for (const r of listRules()) configs.push([r.name, { rules: [r.name] }]);

const rssBefore = process.memoryUsage().rss;
const results = configs.map(([name, opts]) => measure(name, opts));

/** The CLI's path: createRedactStream over the corpus as one byte stream in 64 KiB chunks. */
async function measureStream(): Promise<Result> {
  const data = Buffer.from(`${lines.join('\n')}\n`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, i + 65536));
  let bestWall = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= rounds; i++) {
    const r = compileRedactor();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const sink = new Writable({ write: (_c, _e, done) => done() });
    await pipeline(Readable.from(chunks), createRedactStream(r), sink);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (i === 0) continue; // warm-up
    bestWall = Math.min(bestWall, wall);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
  }
  return {
    name: 'stream, 64 KiB chunks',
    wallMBs: bytes / 1e6 / bestWall,
    cpuMBs: bytes / 1e6 / bestCpu,
    wallLinesPerSec: lines.length / bestWall,
    cpuLinesPerSec: lines.length / bestCpu,
    hits: results[0]!.hits,
  };
}
results.splice(1, 0, await measureStream());
const rss = process.resourceUsage().maxRSS * 1024;

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ lines: lines.length, bytes, rounds, rssBeforeBytes: rssBefore, peakRssBytes: rss, results }, null, 2)}\n`,
  );
} else {
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  const out = [
    `loghub: ${lines.length} lines, ${(bytes / 1e6).toFixed(2)} MB; best of ${rounds} rounds; Node ${process.version}`,
    '',
    `${'configuration'.padEnd(28)} ${'MB/s wall'.padStart(9)} ${'MB/s cpu'.padStart(9)} ${'klines/s'.padStart(9)} ${'hits'.padStart(7)}`,
  ];
  for (const r of results) {
    out.push(
      `${r.name.padEnd(28)} ${fmt(r.wallMBs)}  ${fmt(r.cpuMBs)}  ${fmt(r.cpuLinesPerSec / 1000)}  ${String(r.hits).padStart(6)}`,
    );
  }
  out.push(
    '',
    `RSS ${(rssBefore / 1024 / 1024).toFixed(1)} MiB after loading the corpus (Node + tsx + lines), peak ${(rss / 1024 / 1024).toFixed(1)} MiB`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
