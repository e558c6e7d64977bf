// Benchmarks of inspect, grep, slice and export (run `pnpm build` first; `pnpm bench` runs this file).
//
//   node bench/tools.mjs [--lines N] [--keep DIR] [--only NAME] [--sha]
//
// --only runs the cases whose name contains NAME; --sha runs the grep cases with their output hashed
// (SHA-256, to compare the output of two trees byte for byte) instead of dropped.
// Writes a capture of N lines (default 2,000,000: ~600 MB of JSONL) from the loghub corpus with
// @logtap/capture's writer, then runs each case in a child process of its own so that the peak RSS it
// reports (process.resourceUsage().maxRSS) is that case's alone. Throughput is uncompressed capture bytes
// scanned per second of wall time on one thread (the scan is single-threaded), i.e. per core, and per
// second of CPU time (user + system, all threads: the Parquet encoder has a worker), which other work on
// the machine disturbs less.
// inspect runs on a synthetic index describing 10 GiB of data (40 files x 256 MiB, a frame every MiB).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');

async function child(kind, dir, arg) {
  const { openCapture } = await import('@logtap/capture');
  const { buildFilter } = await import(path.join(dist, 'filter.js'));
  const cap = await openCapture(dir);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let lines = 0;
  let extra = '';
  if (kind === 'inspect') {
    const { inspectCapture } = await import(path.join(dist, 'inspect.js'));
    const t = performance.now();
    const r = await inspectCapture(await openCapture(dir));
    lines = r.lines;
    extra = `library ${(performance.now() - t).toFixed(1)} ms`;
  } else if (kind === 'grep') {
    const { grepCapture } = await import(path.join(dist, 'grep.js'));
    const opts = JSON.parse(arg);
    const filter = buildFilter(cap, { grep: opts.pattern, ignoreCase: opts.i });
    // Output is produced (formatted) and dropped: the case measures the search, not a terminal. With
    // --sha it is hashed instead (to compare two trees' output; not a measurement).
    const { createHash } = await import('node:crypto');
    const hash = opts.sha ? createHash('sha256') : undefined;
    const r = await grepCapture(cap, filter, {
      context: opts.C ?? 0,
      format: opts.format ?? 'text',
      count: opts.count === true,
      color: opts.color === true,
      write: hash ? (c) => void hash.update(c) : () => {},
    });
    lines = r.matches;
    if (hash) extra = `sha256 ${hash.digest('hex').slice(0, 16)}`;
  } else if (kind === 'export') {
    const { exportCapture } = await import(path.join(dist, 'export.js'));
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const opts = JSON.parse(arg);
    const file = path.join(path.dirname(dir), `out.${opts.format}`);
    const fd = openSync(file, 'w');
    const r = await exportCapture(cap, buildFilter(cap, opts.filter ?? {}), {
      format: opts.format,
      sink: { write: (c) => void writeSync(fd, c) },
    });
    closeSync(fd);
    lines = r.lines;
    extra = `${(r.bytes / 1e6).toFixed(1)} MB written`;
  } else if (kind === 'slice') {
    const { sliceCapture } = await import(path.join(dist, 'slice.js'));
    const out = path.join(path.dirname(dir), `slice-${Date.now()}`);
    const r = await sliceCapture(cap, buildFilter(cap, JSON.parse(arg)), out);
    lines = r.lines;
    rmSync(out, { recursive: true, force: true });
  }
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const mb = cap.indexedBytes / 1e6;
  process.stdout.write(
    JSON.stringify({
      seconds: s,
      cpu,
      mbps: mb / s,
      cpuMbps: mb / cpu,
      lines,
      rssMB: process.resourceUsage().maxRSS / 1024,
      extra,
    }),
  );
}

async function makeCapture(dir, n) {
  const { CaptureWriter } = await import('@logtap/capture');
  const systems = ['Apache', 'BGL', 'HDFS', 'Hadoop', 'HealthApp', 'Linux', 'OpenStack', 'Zookeeper'];
  const corpus = '/work/shared/corpus/loghub';
  const lines = systems.map((s) => {
    const f = path.join(corpus, s, `${s}_2k.log`);
    return existsSync(f)
      ? readFileSync(f, 'utf8').split('\n').filter(Boolean)
      : Array.from({ length: 2000 }, (_, i) => `${s} synthetic line ${i} status=${i % 7} took=${i * 3}ms`);
  });
  const sets = systems.map((s) =>
    [0, 1, 2].map((r) => ({
      namespace: 'load-test',
      app: s.toLowerCase(),
      pod: `${s.toLowerCase()}-7d9f8b6c4-${r}`,
      container: 'main',
    })),
  );
  const w = await CaptureWriter.open(dir, { maxDiskBytes: 2 ** 40, minFreeBytes: 0 });
  let ts = 1_705_314_721_000_000_000n;
  for (let i = 0; i < n; i += 2000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 2000); j++) {
      const sys = (j * 7) % 8;
      ts += 250_000n;
      batch.push({ ts, labels: sets[sys][j % 3], msg: lines[sys][(j * 31) % 2000] });
    }
    while (!w.append(batch)) await w.flush();
  }
  await w.close();
}

/** An index describing 10 GiB of data (the files are empty: inspect must not read them). */
function makeBigIndex(dir) {
  mkdirSync(dir, { recursive: true });
  const base = 1_705_314_721_000;
  const iso = (ms) => new Date(ms).toISOString();
  const lines = [];
  for (let f = 0; f < 40; f++) {
    const name = `2024-01-15T${String(10 + Math.floor(f / 6)).padStart(2, '0')}${String((f % 6) * 10).padStart(2, '0')}00-000.jsonl.zst`;
    const from = base + f * 600_000;
    const frames = Array.from({ length: 256 }, (_, i) => ({
      offset: i * 100_000,
      length: 100_000,
      from: iso(from + i * 2000),
      to: iso(from + (i + 1) * 2000),
      lines: 5000,
      bytes: 1 << 20,
    }));
    const pods = {};
    for (let p = 0; p < 30; p++) pods[`api-${p}`] = Math.floor(1_280_000 / 30);
    lines.push(
      JSON.stringify({
        file: name,
        from: frames[0].from,
        to: frames[255].to,
        lines: 1_280_000,
        bytes: 256 << 20,
        compressed_bytes: 25_600_000,
        labels: { app: { api: 1_280_000 }, pod: pods },
        frames,
      }),
    );
    writeFileSync(path.join(dir, name), '');
  }
  writeFileSync(path.join(dir, 'index.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ version: 1, state: 'stopped' }));
}

/** A regex without a usable literal that matches 42 % of the bench's lines (every line is tested). */
const IPV4 = '\\d+\\.\\d+\\.\\d+\\.\\d+';

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2], args[3]);
  const n = Number(args[args.indexOf('--lines') + 1] || 0) || 2_000_000;
  const keep = args.includes('--keep') ? args[args.indexOf('--keep') + 1] : undefined;
  const root = keep ?? mkdtempSync(path.join(tmpdir(), 'logtap-bench-tools-'));
  const dir = path.join(root, 'capture');
  const big = path.join(root, 'big-index');
  try {
    if (!existsSync(dir)) {
      process.stdout.write(`writing a capture of ${n.toLocaleString('en-US')} lines... `);
      const t = performance.now();
      await makeCapture(dir, n);
      console.log(`${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    if (!existsSync(big)) makeBigIndex(big);
    const cases = [
      ['inspect (10 GiB index)', 'inspect', big, ''],
      [
        'grep literal (selective)',
        'grep',
        dir,
        JSON.stringify({ pattern: 'NullPointerException|Connection broken' }),
      ],
      ['grep -i literal', 'grep', dir, JSON.stringify({ pattern: 'ERROR', i: true })],
      ['grep regex, no literal', 'grep', dir, JSON.stringify({ pattern: IPV4 })],
      ['grep --format jsonl, regex', 'grep', dir, JSON.stringify({ pattern: IPV4, format: 'jsonl' })],
      ['grep --count, regex', 'grep', dir, JSON.stringify({ pattern: IPV4, count: true })],
      ['grep -C 2', 'grep', dir, JSON.stringify({ pattern: 'Connection broken', C: 2 })],
      ['grep -C 2, regex', 'grep', dir, JSON.stringify({ pattern: IPV4, C: 2 })],
      [
        'grep -C 2 --format jsonl, regex',
        'grep',
        dir,
        JSON.stringify({ pattern: IPV4, C: 2, format: 'jsonl' }),
      ],
      ['grep --color, literal', 'grep', dir, JSON.stringify({ pattern: 'Connection broken', color: true })],
      ['grep --color -C 2, regex', 'grep', dir, JSON.stringify({ pattern: IPV4, C: 2, color: true })],
      ['export jsonl', 'export', dir, JSON.stringify({ format: 'jsonl' })],
      [
        'export jsonl --label app=hdfs',
        'export',
        dir,
        JSON.stringify({ format: 'jsonl', filter: { labels: ['app=hdfs'] } }),
      ],
      ['export csv', 'export', dir, JSON.stringify({ format: 'csv' })],
      ['export arrow', 'export', dir, JSON.stringify({ format: 'arrow' })],
      ['export parquet', 'export', dir, JSON.stringify({ format: 'parquet' })],
      ['slice --label app=~"hdfs|linux"', 'slice', dir, JSON.stringify({ labels: ['app=~"hdfs|linux"'] })],
    ];
    const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
    console.log(
      `${'case'.padEnd(34)}${'MB/s'.padStart(8)}${'seconds'.padStart(9)}${'MB/cpu-s'.padStart(10)}${'cpu s'.padStart(8)}${'lines'.padStart(11)}${'peak RSS'.padStart(10)}`,
    );
    const sha = args.includes('--sha');
    for (const [name, kind, d, a] of cases) {
      if (only !== undefined && !name.includes(only)) continue;
      if (sha && kind !== 'grep') continue;
      const arg = sha ? JSON.stringify({ ...JSON.parse(a), sha: true }) : a;
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, d, arg], {
        encoding: 'utf8',
      });
      const r = JSON.parse(out);
      const mbps = kind === 'inspect' ? '-' : r.mbps.toFixed(0);
      const cpuMbps = kind === 'inspect' ? '-' : r.cpuMbps.toFixed(0);
      console.log(
        `${name.padEnd(34)}${mbps.padStart(8)}${r.seconds.toFixed(3).padStart(9)}${cpuMbps.padStart(10)}${r.cpu.toFixed(3).padStart(8)}${r.lines.toLocaleString('en-US').padStart(11)}${`${r.rssMB.toFixed(0)} MB`.padStart(10)}  ${r.extra}`,
      );
    }
    // inspect as a user runs it: process start, oclif, the report as JSON (5 runs: min and median wall).
    if (only === undefined || 'inspect CLI'.includes(only)) {
      const bin = path.join(here, '..', 'bin', 'run.js');
      const runs = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        execFileSync(process.execPath, [bin, 'inspect', big, '--json'], { encoding: 'utf8' });
        runs.push((performance.now() - t) / 1000);
      }
      runs.sort((a, b) => a - b);
      console.log(
        `${'inspect CLI, whole process'.padEnd(34)}${'-'.padStart(8)}${runs[2].toFixed(3).padStart(9)}  (median of 5; min ${runs[0].toFixed(3)} s)`,
      );
    }
  } finally {
    if (keep === undefined) rmSync(root, { recursive: true, force: true });
  }
}

await main();
