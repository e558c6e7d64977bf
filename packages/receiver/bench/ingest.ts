/**
 * Ingest benchmark: `logtap recv --headless` in its own process, driven by an undici load generator
 * sending 1 MiB protobuf + snappy Loki batches built from the loghub corpus with ~50 pod label sets.
 *
 *   pnpm bench:ingest [--duration 20] [--connections 8] [--batch-kib 1024] [--redact] [--fraction 0.5]
 *
 * Phase 1 (saturation): every connection sends batches back to back for --duration seconds; the written
 * rate (lines/s, MB/s of log lines and of JSONL) comes from the receiver's /metrics.
 * Phase 2 (below saturation): an open-loop pacer sends --fraction of phase 1's accepted batch rate for
 * --duration/2 seconds; its p50/p99 is the "p99 below saturation" figure.
 * Then recv is stopped (SIGINT) and its final accounting read from `--json`; its peak RSS (VmHWM) and
 * CPU time come from /proc. Reference: `zstd -3 -T1` over the capture's JSONL bytes on one core.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodePushProtobuf, type PushStream } from '@logtap/protocol';
import { Pool } from 'undici';

const { values: args } = parseArgs({
  // `pnpm bench:ingest -- --duration 10` hands the script a literal `--`.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '4' },
    'batch-kib': { type: 'string', default: '1024' },
    fraction: { type: 'string', default: '0.5' },
    redact: { type: 'boolean', default: false },
    corpus: { type: 'string' },
    cli: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    /** Extra flags for `logtap recv`, e.g. --recv-arg=--buffer=32MiB (repeatable). */
    'recv-arg': { type: 'string', multiple: true, default: [] },
    /** Print the receiver's stderr at the end (its summary; --trace-gc output with --node-arg). */
    'recv-stderr': { type: 'boolean', default: false },
    /** Extra flags for the receiver's node, e.g. --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/p. */
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = args.corpus ?? join(repo, '..', 'shared', 'corpus', 'loghub');
const cli = args.cli ?? join(repo, 'apps', 'cli', 'bin', 'run.js');
const durationS = Number(args.duration);
const connections = Number(args.connections);
const batchBytes = Number(args['batch-kib']) * 1024;
const fraction = Number(args.fraction);

function log(msg: string): void {
  process.stderr.write(`bench:ingest: ${msg}\n`);
}

// ---- payload -------------------------------------------------------------------------------------

function loadCorpus(): Array<{ system: string; lines: string[] }> {
  const systems = readdirSync(corpus).filter((d) => statSync(join(corpus, d)).isDirectory());
  return systems.map((system) => ({
    system: system.toLowerCase(),
    lines: readFileSync(join(corpus, system, `${system}_2k.log`), 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  }));
}

/** ~50 realistic label sets: each loghub system plays a workload with a few pods in a namespace. */
function labelSets(systems: string[]): Array<{ system: string; labels: Record<string, string> }> {
  const namespaces = ['checkout', 'payments', 'search', 'platform'];
  const out: Array<{ system: string; labels: Record<string, string> }> = [];
  let n = 0;
  for (let i = 0; out.length < 50; i++) {
    const system = systems[i % systems.length]!;
    const replica = Math.floor(i / systems.length);
    const hash = ((i * 2654435761) >>> 0).toString(36).slice(0, 5);
    out.push({
      system,
      labels: {
        namespace: namespaces[i % namespaces.length]!,
        app: system,
        pod: `${system}-7f9c8d${replica}b4-${hash}`,
        container: system,
        node: `node-${(n++ % 6) + 1}`,
      },
    });
  }
  return out;
}

function varyDigits(line: string, seed: number): string {
  let x = (seed * 2654435761) >>> 0;
  return line.replace(/\d+/g, (run) => {
    let out = '';
    for (let i = 0; i < run.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out += String((x >>> 16) % 10);
    }
    return out;
  });
}

function buildBatches(count: number): Array<{ body: Uint8Array; lines: number; lineBytes: number }> {
  const systems = loadCorpus();
  const bySystem = new Map(systems.map((s) => [s.system, s.lines]));
  const sets = labelSets(systems.map((s) => s.system));
  const batches: Array<{ body: Uint8Array; lines: number; lineBytes: number }> = [];
  let ts = BigInt(Date.now()) * 1_000_000n;
  let cursor = 0;
  for (let b = 0; b < count; b++) {
    const streams = new Map<number, PushStream>();
    let size = 0;
    let lines = 0;
    let lineBytes = 0;
    while (size < batchBytes) {
      const setIndex = cursor % sets.length;
      const set = sets[setIndex]!;
      const corpusLines = bySystem.get(set.system)!;
      // Digits (ids, block numbers, times) change per use so that the payload does not repeat verbatim,
      // as real logs do not: otherwise zstd (the reference) would only see long exact matches.
      const line = varyDigits(corpusLines[(cursor * 7) % corpusLines.length]!, cursor);
      cursor++;
      let stream = streams.get(setIndex);
      if (stream === undefined) {
        stream = { labels: set.labels, entries: [] };
        streams.set(setIndex, stream);
      }
      ts += 1000n;
      stream.entries.push({ ts, line });
      const bytes = Buffer.byteLength(line);
      size += bytes + 16; // entry framing + timestamp
      lines++;
      lineBytes += bytes;
    }
    batches.push({ body: encodePushProtobuf([...streams.values()]), lines, lineBytes });
  }
  return batches;
}

// ---- receiver process ----------------------------------------------------------------------------

interface Recv {
  url: string;
  pid: number;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

function startRecv(dir: string): Promise<Recv> {
  const recvArgs = [
    ...args['node-arg'],
    cli,
    'recv',
    '--headless',
    '--json',
    '--listen',
    '127.0.0.1:0',
    '--dir',
    dir,
    '--max-disk',
    '50GiB',
    '--progress-interval',
    '0',
    ...(args.redact ? ['--redact'] : []),
    ...args['recv-arg'],
  ];
  const proc = spawn(process.execPath, recvArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  proc.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('exit', (code) => setImmediate(() => resolve({ code, stdout, stderr }))),
  );
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m === null) return;
      proc.stderr.off('data', onData);
      resolve({ url: m[1]!, pid: proc.pid!, exit, kill: (s) => proc.kill(s) });
    };
    proc.stderr.on('data', onData);
    void exit.then((e) => reject(new Error(`recv exited early (${e.code}):\n${e.stderr}`)));
  });
}

function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds per thread (name → seconds), to see which thread saturates. */
function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const secs = (Number(fields[11]) + Number(fields[12])) / 100;
      out.set(`${name}#${tid}`, secs);
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return out;
}

function procPeakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

// ---- load ----------------------------------------------------------------------------------------

interface PhaseResult {
  seconds: number;
  sent: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  linesAccepted: number;
}

async function send(pool: Pool, batch: { body: Uint8Array }): Promise<number> {
  const res = await pool.request({
    path: '/loki/api/v1/push',
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: batch.body,
  });
  await res.body.dump();
  return res.statusCode;
}

async function saturate(
  pool: Pool,
  batches: Array<{ body: Uint8Array; lines: number }>,
  seconds: number,
): Promise<PhaseResult> {
  const result: PhaseResult = { seconds, sent: 0, statuses: {}, latenciesMs: [], linesAccepted: 0 };
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const batch = batches[next++ % batches.length]!;
        const t0 = performance.now();
        const status = await send(pool, batch);
        result.latenciesMs.push(performance.now() - t0);
        result.sent++;
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status === 204) result.linesAccepted += batch.lines;
      }
    }),
  );
  return result;
}

async function paced(
  pool: Pool,
  batches: Array<{ body: Uint8Array; lines: number }>,
  seconds: number,
  perSecond: number,
): Promise<PhaseResult> {
  const result: PhaseResult = { seconds, sent: 0, statuses: {}, latenciesMs: [], linesAccepted: 0 };
  const interval = 1000 / perSecond;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; ; i++) {
    const due = start + i * interval;
    if (due - start > seconds * 1000) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = batches[i % batches.length]!;
    // Open loop: latency is measured from the scheduled time, so queueing in the client counts too.
    inflight.push(
      send(pool, batch).then((status) => {
        result.latenciesMs.push(performance.now() - due);
        result.sent++;
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status === 204) result.linesAccepted += batch.lines;
      }),
    );
  }
  await Promise.all(inflight);
  return result;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// ---- zstd reference ------------------------------------------------------------------------------

function zstdReference(dir: string, work: string, maxBytes: number): { mbPerSec: number; bytes: number } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl.zst'))
    .sort();
  const sample = join(work, 'sample.jsonl');
  // The capture's own JSONL bytes, decompressed, up to maxBytes (from the page cache for the timing).
  execFileSync('sh', [
    '-c',
    `zstd -dcq -- "$@" 2>/dev/null | head -c ${maxBytes} > '${sample}'`,
    'sh',
    ...files.map((f) => join(dir, f)),
  ]);
  const bytes = statSync(sample).size;
  readFileSync(sample); // warm the cache
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    execFileSync('zstd', ['-3', '-T1', '-q', '-c', sample], {
      stdio: ['ignore', 'ignore', 'inherit'],
      maxBuffer: 1 << 30,
    });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  rmSync(sample);
  return { mbPerSec: bytes / best / 1e6, bytes };
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'logtap-bench-ingest-'));
  const dir = join(work, 'capture');
  log(`building batches from ${corpus}`);
  const batches = buildBatches(64);
  const avgLines = batches.reduce((s, b) => s + b.lines, 0) / batches.length;
  const avgWire = batches.reduce((s, b) => s + b.body.length, 0) / batches.length;
  log(
    `${batches.length} batches, ${Math.round(avgLines)} lines and ${(avgWire / 1024).toFixed(0)} KiB on the wire each`,
  );

  const recv = await startRecv(dir);
  log(`recv pid ${recv.pid} at ${recv.url}${args.redact ? ' with --redact' : ''}`);
  const pool = new Pool(recv.url, { connections, pipelining: 1, keepAliveTimeout: 60_000 });

  // Warm-up (JIT, file creation), not measured.
  await saturate(pool, batches, 2);
  const m0 = await metrics(recv.url);
  const cpu0 = procCpuSeconds(recv.pid);
  const threads0 = threadCpuSeconds(recv.pid);
  const t0 = performance.now();
  const sat = await saturate(pool, batches, durationS);
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = procCpuSeconds(recv.pid);
  const threads: Record<string, number> = {};
  for (const [name, secs] of threadCpuSeconds(recv.pid)) {
    const pct = Math.round(((secs - (threads0.get(name) ?? 0)) / wall) * 100);
    if (pct >= 2) threads[name] = pct;
  }
  const m1 = await metrics(recv.url);
  const delta = (name: string): number => (m1.get(name) ?? 0) - (m0.get(name) ?? 0);
  const written = delta('logtap_lines_written_total');
  const writtenJsonl = delta('logtap_bytes_written_total');
  const receivedLines = delta('logtap_lines_received_total');
  const receivedBytes = delta('logtap_bytes_received_total');
  const dropped = delta('logtap_lines_dropped_total{reason="queue_full"}');
  const lineBytesPerLine = receivedLines > 0 ? receivedBytes / receivedLines : 0;
  const satSorted = [...sat.latenciesMs].sort((a, b) => a - b);
  const satBatchesPerSec = sat.sent / wall;
  log(`saturation: ${sat.sent} pushes in ${wall.toFixed(1)} s, statuses ${JSON.stringify(sat.statuses)}`);

  // Let the queue drain before the paced phase.
  for (let i = 0; i < 100 && ((await metrics(recv.url)).get('logtap_queue_bytes') ?? 0) > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const acceptedPerSec = written / wall / avgLines;
  const target = Math.max(1, fraction * Math.min(satBatchesPerSec, acceptedPerSec));
  const pace = await paced(pool, batches, Math.max(5, durationS / 2), target);
  const paceSorted = [...pace.latenciesMs].sort((a, b) => a - b);
  log(
    `paced at ${target.toFixed(1)} batches/s: ${pace.sent} pushes, statuses ${JSON.stringify(pace.statuses)}`,
  );

  const peakRss = procPeakRssBytes(recv.pid);
  await pool.close();
  recv.kill('SIGINT');
  const exit = await recv.exit;
  if (args['recv-stderr']) process.stderr.write(exit.stderr);
  // The summary is recv's --json output: the last JSON document on stdout (node flags such as
  // --trace-gc print there too).
  const jsonStart = exit.stdout.lastIndexOf('\n{');
  if (args['recv-stderr']) process.stderr.write(exit.stdout.slice(0, jsonStart + 1));
  const summary = JSON.parse(exit.stdout.slice(jsonStart + 1)) as {
    linesReceived: number;
    linesWritten: number;
    linesDropped: number;
    bytesWritten: number;
    diskBytes: number;
  };
  const zstd = zstdReference(dir, work, 512 * 1024 * 1024);
  const jsonlMBs = writtenJsonl / wall / 1e6;
  const result = {
    machine: `${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores, node ${process.version}`,
    redact: args.redact,
    connections,
    batch: {
      lines: Math.round(avgLines),
      wireKiB: Math.round(avgWire / 1024),
      lineBytes: Math.round(lineBytesPerLine),
    },
    saturation: {
      seconds: Number(wall.toFixed(2)),
      linesWrittenPerSec: Math.round(written / wall),
      lineMBPerSec: Number(((written * lineBytesPerLine) / wall / 1e6).toFixed(1)),
      jsonlMBPerSec: Number(jsonlMBs.toFixed(1)),
      dropped,
      statuses: sat.statuses,
      p50ms: Number(quantile(satSorted, 0.5).toFixed(2)),
      p99ms: Number(quantile(satSorted, 0.99).toFixed(2)),
      receiverCpuPercent: Math.round(((cpu1 - cpu0) / wall) * 100),
      receiverThreadsCpuPercent: threads,
    },
    belowSaturation: {
      batchesPerSec: Number(target.toFixed(1)),
      linesPerSec: Math.round(target * avgLines),
      p50ms: Number(quantile(paceSorted, 0.5).toFixed(2)),
      p99ms: Number(quantile(paceSorted, 0.99).toFixed(2)),
      statuses: pace.statuses,
    },
    receiverPeakRssMiB: Number((peakRss / 1024 / 1024).toFixed(1)),
    final: {
      exitCode: exit.code,
      received: summary.linesReceived,
      written: summary.linesWritten,
      dropped: summary.linesDropped,
      exact: summary.linesReceived === summary.linesWritten + summary.linesDropped,
      compressionRatio: Number((summary.bytesWritten / summary.diskBytes).toFixed(2)),
    },
    zstd3OneCore: {
      MBPerSec: Number(zstd.mbPerSec.toFixed(1)),
      sampleMiB: Math.round(zstd.bytes / 1024 / 1024),
    },
    ratioToZstd: Number((jsonlMBs / zstd.mbPerSec).toFixed(2)),
  };
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  else log(`capture kept in ${dir}`);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const s = result.saturation;
  const b = result.belowSaturation;
  process.stdout.write(
    [
      `ingest benchmark (${result.machine}; ${connections} connections; ${result.batch.lines} lines ≈ ${result.batch.wireKiB} KiB snappy per push${args.redact ? '; --redact' : ''})`,
      `  written:        ${s.linesWrittenPerSec.toLocaleString('en')} lines/s, ${s.lineMBPerSec} MB/s of log lines, ${s.jsonlMBPerSec} MB/s of JSONL`,
      `  dropped:        ${s.dropped} lines during saturation; final received=${result.final.received} written=${result.final.written} dropped=${result.final.dropped} (exact: ${result.final.exact})`,
      `  push latency:   saturated p50 ${s.p50ms} ms, p99 ${s.p99ms} ms; at ${b.batchesPerSec} pushes/s (${b.linesPerSec.toLocaleString('en')} lines/s) p50 ${b.p50ms} ms, p99 ${b.p99ms} ms`,
      `  receiver:       peak RSS ${result.receiverPeakRssMiB} MiB, CPU ${s.receiverCpuPercent}% of one core while saturated (threads: ${Object.entries(
        s.receiverThreadsCpuPercent,
      )
        .map(([n, p]) => `${n} ${p}%`)
        .join(', ')})`,
      `  zstd -3 -T1:    ${result.zstd3OneCore.MBPerSec} MB/s on the same JSONL; ours / zstd = ${result.ratioToZstd}`,
      `  compression:    ${result.final.compressionRatio}x on disk`,
      '',
    ].join('\n'),
  );
}

await main();
