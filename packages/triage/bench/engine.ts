/**
 * Whole-engine throughput (severity + masking + accumulation + report): pushes entries into a
 * TriageAccumulator and builds the report. Two inputs: the loghub raw lines (8 systems, repeated) and
 * a generated Kubernetes-style stream (JSON, logfmt, access and plain lines). Also times the
 * split-and-merge path used for `--jobs`. Usage: `tsx bench/engine.ts [FOLDER]`.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TriageAccumulator, type TriageEntry } from '../src/engine.js';
import { buildReport } from '../src/report.js';
import { loadLabelledFolder } from '../src/test-helpers/loghub.js';
import { generateStream } from '../src/testing.js';

const folder = resolve(
  process.argv[2] ?? new URL('../../../../shared/corpus/loghub', import.meta.url).pathname,
);

function loghubEntries(repeat: number): TriageEntry[] {
  const out: TriageEntry[] = [];
  const start = 1_714_557_600_000_000_000n;
  let i = 0n;
  for (const sys of loadLabelledFolder(folder)) {
    const raw = readFileSync(join(folder, sys.name, `${sys.name}_2k.log`), 'utf8')
      .split('\n')
      .filter(Boolean);
    // One frozen label object per stream, as @logtap/capture's reader hands them out.
    const labels = Object.freeze({ app: sys.name.toLowerCase(), pod: `${sys.name.toLowerCase()}-0` });
    for (let r = 0; r < repeat; r++) {
      for (const line of raw) {
        out.push({
          ts: start + i * 50_000_000n,
          labels,
          msg: r === 0 ? line : line.replace(/\d+/g, (d) => String(Number(d) + r)),
        });
        i++;
      }
    }
  }
  return out;
}

function run(name: string, entries: TriageEntry[]): void {
  const bytes = entries.reduce((s, e) => s + Buffer.byteLength(e.msg) + 1, 0);
  // Two full warm-up passes: the figures are the JIT-compiled steady state (a long capture's case).
  for (let w = 0; w < 2; w++) new TriageAccumulator().pushAll(entries);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const acc = new TriageAccumulator();
  acc.pushAll(entries);
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const report = buildReport(acc);
  const t2 = process.hrtime.bigint();
  // The --jobs path: 4 partial states (contiguous chunks), snapshotted, cloned and merged.
  const parts = 4;
  const size = Math.ceil(entries.length / parts);
  const t3 = process.hrtime.bigint();
  const root = new TriageAccumulator();
  for (let p = 0; p < parts; p++) {
    const a = new TriageAccumulator();
    a.pushAll(entries.slice(p * size, (p + 1) * size));
    root.merge(structuredClone(a.snapshot()));
  }
  const t4 = process.hrtime.bigint();
  const merged = buildReport(root);
  const same = JSON.stringify(merged) === JSON.stringify(report);
  const pushS = Number(t1 - t0) / 1e9;
  const reportS = Number(t2 - t1) / 1e9;
  const splitS = Number(t4 - t3) / 1e9;
  process.stdout.write(
    `${name}: ${entries.length} lines, ${(bytes / 1e6).toFixed(1)} MB; push ${pushS.toFixed(2)} s = ` +
      `${Math.round(entries.length / pushS).toLocaleString('en-US')} lines/s, ${(bytes / 1e6 / pushS).toFixed(1)} MB/s ` +
      `(per CPU-second: ${Math.round(entries.length / cpuS).toLocaleString('en-US')} lines/s, ${(bytes / 1e6 / cpuS).toFixed(1)} MB/s); ` +
      `report ${reportS.toFixed(2)} s (${report.mining.templates} templates, ${report.findings.length} findings); ` +
      `4-way split+merge ${splitS.toFixed(2)} s, identical report: ${same}\n`,
  );
}

run('loghub x16', loghubEntries(16));
run(
  'generated',
  generateStream({
    seed: 11,
    minutes: 240,
    perMinute: 2000,
    burst: {
      startMinute: 150,
      minutes: 10,
      perMinute: 800,
      service: 'payments',
      message: 'ERROR dial tcp 10.0.3.7:5432: connect: connection refused (attempt {n})',
    },
  }),
);
process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
