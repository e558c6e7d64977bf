// End-to-end throughput of `logtap triage` (the command's pipeline: plan, read, decode, filter, engine,
// merge, report) on a generated multi-file capture, with --jobs 1 and --jobs 2 (or the counts given).
// Each run is a fresh child process, so its peak RSS and CPU time are its own. Reports wall-clock MB/s
// and speed-up, and MB/s per CPU-second (CPU time of every thread of the run), which is the per-core
// figure and stays meaningful when other processes share the cores. On Linux it also reads each
// thread's CPU time: the critical path (main thread + busiest worker) is what the run takes on idle
// cores, and its ratio to --jobs 1 the speed-up that contention hides from the wall clock.
//   pnpm --filter @logtap/plugin-capture build && node packages/plugin-capture/bench/triage.mjs [MB] [jobs...]
// Each --jobs count runs RUNS times (env TRIAGE_BENCH_RUNS, default 3); the best run is shown (shared
// machines: the least disturbed run is the closest to what the code does).
// The capture: real log lines of the 8 loghub systems (../shared/corpus/loghub), numbers varied per
// repetition, 8 services x 3 pods, 20 ms apart, 64 MiB files, default writer frames (4 MiB, 1 MiB table).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter, openCapture } from '@logtap/capture';

const self = fileURLToPath(import.meta.url);
const corpus = fileURLToPath(new URL('../../../../shared/corpus/loghub', import.meta.url));

if (process.argv[2] === '--write') {
  await writeCapture(process.argv[3], Number(process.argv[4]));
  process.exit(0);
}
if (process.argv[2] === '--run') {
  await runOnce(process.argv[3], Number(process.argv[4]));
  process.exit(0);
}

const mb = Number(process.argv[2] ?? 256);
console.log(
  `triage bench: ${mb} MB capture, --jobs ${process.argv.slice(3).join(' ') || '1 2'}, best of ${process.env.TRIAGE_BENCH_RUNS ?? 3}`,
);
const jobsList = process.argv.slice(3).map(Number);
if (jobsList.length === 0) jobsList.push(1, 2);
const base = await mkdtemp(join(tmpdir(), 'logtap-triage-bench-'));
const dir = join(base, 'capture');
try {
  execFileSync(process.execPath, [self, '--write', dir, String(mb)], { stdio: 'inherit' });
  const cap = await openCapture(dir);
  console.log(
    `capture: ${cap.files.length} files, ${cap.indexedLines.toLocaleString('en-US')} lines, ${(cap.indexedBytes / 1e6).toFixed(1)} MB uncompressed JSONL, ${(cap.diskBytes / 1e6).toFixed(1)} MB on disk`,
  );
  const runs = Number(process.env.TRIAGE_BENCH_RUNS ?? 3);
  const rows = [];
  for (const jobs of jobsList) {
    const all = [];
    for (let r = 0; r < runs; r++) {
      all.push(JSON.parse(execFileSync(process.execPath, [self, '--run', dir, String(jobs)]).toString()));
    }
    // The least disturbed run for wall time; the smallest CPU figures (contention only adds to them).
    const best = { ...all.reduce((a, b) => (b.wallS < a.wallS ? b : a)) };
    best.cpuS = Math.min(...all.map((r) => r.cpuS));
    best.pathS = Math.min(...all.map((r) => r.pathS));
    best.mainS = Math.min(...all.map((r) => r.mainS));
    best.hashes = all.map((r) => r.reportHash);
    rows.push(best);
  }
  console.log(
    '| jobs | units | wall s | MB/s (wall) | speed-up (wall) | CPU s (all threads) | MB/s per CPU-s | main thread CPU s | critical path CPU s | speed-up (critical path) | peak RSS |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const mbs = r.bytes / 1e6 / r.wallS;
    console.log(
      `| ${r.jobs} | ${r.units} | ${r.wallS.toFixed(2)} | ${mbs.toFixed(1)} | ${(rows[0].wallS / r.wallS).toFixed(2)}x | ${r.cpuS.toFixed(2)} | ${(r.bytes / 1e6 / r.cpuS).toFixed(1)} | ${r.mainS.toFixed(2)} | ${r.pathS.toFixed(2)} | ${(rows[0].pathS / r.pathS).toFixed(2)}x | ${r.rssMiB} MiB |`,
    );
  }
  const same = new Set(rows.flatMap((r) => r.hashes)).size === 1;
  console.log(`identical report.json for every --jobs: ${same}`);
} finally {
  await rm(base, { recursive: true, force: true });
}

/** CPU seconds of each thread of this process (Linux /proc), by thread id. */
function threadCpu() {
  const out = new Map();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) / 100); // utime + stime, in clock ticks (100/s)
    }
  } catch {
    // Not Linux, or a thread ended during the listing: no per-thread figures.
  }
  return out;
}

async function runOnce(dir, jobs) {
  const { triageCapture } = await import('../dist/triage/pipeline.js');
  const { renderReportJson } = await import('@logtap/triage');
  const { createHash } = await import('node:crypto');
  const mainTid = String(process.pid);
  const cpu0 = process.cpuUsage();
  const main0 = threadCpu().get(mainTid) ?? 0;
  const lastThreads = new Map();
  const t0 = performance.now();
  // Worker threads end with the scan: sample every thread's CPU time as units complete, keeping the
  // last figure of threads that have ended.
  const sample = () => {
    for (const [t, s] of threadCpu()) lastThreads.set(t, s);
  };
  const r = await triageCapture({ dir, jobs, onProgress: sample });
  const mainS = (threadCpu().get(mainTid) ?? 0) - main0;
  // The main thread's CPU when the last unit was done (it scans too), then merge and report.
  const mainScanS = (lastThreads.get(mainTid) ?? main0) - main0;
  // The busiest other thread: a worker (its JS thread) when there are workers.
  const workerS = Math.max(0, ...[...lastThreads].filter(([t]) => t !== mainTid).map(([, s]) => s));
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0); // every thread of the process, workers included
  const reportHash = createHash('sha256').update(renderReportJson(r.report)).digest('hex');
  process.stdout.write(
    JSON.stringify({
      jobs,
      wallS,
      cpuS: (cpu.user + cpu.system) / 1e6,
      // Critical path on idle cores: the busiest scanning thread, then the main thread's merge and report.
      pathS: r.scan.threads > 1 ? Math.max(mainScanS, workerS) + (mainS - mainScanS) : mainS,
      mainS,
      mainScanS,
      workerS,
      bytes: r.capture.indexedBytes,
      lines: r.scan.lines,
      units: r.units.length,
      rssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      reportHash,
    }),
  );
}

async function writeCapture(dir, mb) {
  const systems = readdirSync(corpus).filter((n) => !n.includes('.') && n !== 'LICENSE');
  const lines = systems.map((s) =>
    readFileSync(join(corpus, s, `${s}_2k.log`), 'utf8')
      // The corpus files end lines in CRLF: the CR is part of the line ending, not of the message (the
      // accuracy bench reads the same lines from the CSV the same way). TRIAGE_BENCH_CR=1 keeps it, for
      // figures comparable with runs before 2026-11-24 (every message then held a JSON escape).
      .split(process.env.TRIAGE_BENCH_CR === '1' ? '\n' : /\r?\n/)
      .filter(Boolean),
  );
  const w = await CaptureWriter.open(dir, { maxFileBytes: 64 << 20, minFreeBytes: 0 });
  const labels = systems.flatMap((s) =>
    [0, 1, 2].map((p) => ({ app: s.toLowerCase(), namespace: 'load', pod: `${s.toLowerCase()}-${p}` })),
  );
  const T0 = 1_772_721_120_000_000_000n;
  let written = 0;
  let i = 0;
  for (let rep = 0; written < mb * 1e6; rep++) {
    const batch = [];
    for (let k = 0; k < 2000; k++) {
      for (let s = 0; s < systems.length; s++) {
        const raw = lines[s][k % lines[s].length];
        const msg = rep === 0 ? raw : raw.replace(/\d+/g, (d) => String(Number(d) + rep));
        batch.push({ ts: T0 + BigInt(i++) * 20_000_000n, labels: labels[s * 3 + (k % 3)], msg });
        written += msg.length + 100;
      }
    }
    while (!w.append(batch)) await w.flush();
  }
  await w.close();
}
