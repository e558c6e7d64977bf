/**
 * End-to-end tests of `logtap triage` and `logtap diff` through the built CLI (worker threads need the
 * compiled worker script): incident detection on a generated capture, identical reports for any
 * --jobs, the pinned --json output, report files and their modes, filters, a live capture, HTML
 * escaping of hostile input, diff verdicts and every documented exit code.
 */

import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type CaptureEntry, formatTimestamp, openCapture } from '@logtap/capture';
import { parseReportJson, type TriageReport } from '@logtap/triage';
import { generateEntries, MINUTE, runCli, T0, tempDir, writeCapture } from './triage-fixtures.js';

// Each test runs the built CLI several times (some concurrently); CI runs every package at once.
jest.setTimeout(120_000);

const INCIDENT = {
  startMinute: 37,
  minutes: 5,
  perMinute: 300,
  service: 'payments',
  message: 'ERROR dial tcp 10.0.3.7:5432: connect: connection refused (attempt {n})',
};

let root: string;
let cleanup: () => Promise<void>;
let incidentEntries: CaptureEntry[];

beforeAll(async () => {
  const t = await tempDir();
  root = t.dir;
  cleanup = t.rm;
  incidentEntries = generateEntries({ seed: 7, minutes: 60, perMinute: 400, burst: INCIDENT });
  await writeCapture(join(root, 'incident'), incidentEntries);
  await writeCapture(join(root, 'baseline'), generateEntries({ seed: 8, minutes: 60, perMinute: 400 }));
  await writeCapture(join(root, 'baseline2'), generateEntries({ seed: 9, minutes: 60, perMinute: 400 }));
  await writeCapture(
    join(root, 'relabelled'),
    generateEntries({ seed: 10, minutes: 60, perMinute: 400, extraLabel: ['run', 'r2'] }),
  );
}, 60_000);

afterAll(async () => {
  await cleanup();
});

/** oclif wraps error messages to the terminal width behind ` › `: undo that for matching. */
function flat(stderr: string): string {
  return stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ');
}

function json(stdout: string): TriageReport {
  return parseReportJson(stdout, 'stdout');
}

describe('logtap triage', () => {
  it('finds the injected incident and its start minute, and the same report for --jobs 1, 2 and 3', async () => {
    const cap = await openCapture(join(root, 'incident'));
    // The capture must exercise both splits: several files, and several frame-table ranges per file.
    expect(cap.files.length).toBeGreaterThanOrEqual(3);
    expect(cap.files[0]!.index!.frames!.length).toBeGreaterThanOrEqual(4);

    const one = await runCli(['triage', 'incident', '--json', '--jobs', '1'], root);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    const report = json(one.stdout);
    expect(report.totals.lines).toBe(incidentEntries.length);
    const start = formatTimestamp(T0 + BigInt(INCIDENT.startMinute) * MINUTE);
    expect(report.windows.incidentStart).toMatchObject({ from: start, basis: 'error-burst' });
    const burst = report.findings.find((f) => f.kind === 'error-burst');
    expect(burst).toMatchObject({ from: start, severity: 'high' });
    expect(burst!.evidence.examples[0]!.line).toContain('connection refused');
    expect(burst!.evidence.slice).toContain(`logtap slice incident --from ${start}`);
    const fresh = report.findings.find((f) => f.kind === 'new-error-template');
    expect(fresh?.title).toContain('connect: connection refused');
    expect(fresh?.from?.startsWith(start.slice(0, 16))).toBe(true);
    const payments = report.findings.find((f) => f.kind === 'service-errors' && f.service === 'payments');
    expect(payments?.evidence.slice).toContain('--label app=payments');
    expect(report.windows.peakError?.from.slice(0, 16)).toBe(start.slice(0, 16));

    // --jobs 2 and 3 read the same capture split by files and frames: byte-identical report.json.
    const [two, three] = await Promise.all(
      [2, 3].map((j) => runCli(['triage', 'incident', '--jobs', String(j), '--out', `out-${j}`], root)),
    );
    for (const [j, r] of [
      [2, two!],
      [3, three!],
    ] as const) {
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`${j} threads`);
      expect(await readFile(join(root, `out-${j}`, 'report.json'), 'utf8')).toBe(one.stdout);
    }
    // Without --json the summary goes to stdout.
    expect(two!.stdout).toContain('# logtap triage summary');
    expect(two!.stdout).toContain('Error burst');
  });

  it('prints report.json, and only it, with --json (pinned)', async () => {
    const small = generateEntries({
      seed: 21,
      minutes: 12,
      perMinute: 40,
      burst: { ...INCIDENT, startMinute: 8, minutes: 2, perMinute: 60 },
    });
    await writeCapture(join(root, 'small'), small);
    const r = await runCli(['triage', 'small', '--json', '--jobs', '2'], root);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.endsWith('}\n')).toBe(true);
    expect(json(r.stdout).totals.lines).toBe(small.length);
    expect(r.stdout).toMatchSnapshot();
  });

  it('writes the five report files (directory 0700, files 0600) and replaces them on a rerun', async () => {
    const out = join(root, 'out-modes');
    const r = await runCli(['triage', 'incident', '--out', out, '--window', '5m'], root);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'report.html',
      'report.json',
      'summary.md',
      'templates.csv',
      'timeline.csv',
    ]);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    for (const f of await readdir(out)) expect((await stat(join(out, f))).mode & 0o777).toBe(0o600);
    const report = parseReportJson(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.options.windowSeconds).toBe(300);
    expect(report.timeline).toHaveLength(13); // 14:30 .. 15:30, epoch-aligned 5-minute buckets
    const timeline = await readFile(join(out, 'timeline.csv'), 'utf8');
    expect(timeline.split('\r\n')[0]).toBe('bucket_start,lines,errors,warnings,volume_spike,error_burst');
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    expect(r.stdout.trimEnd()).toBe(summary.trimEnd());

    await writeFile(join(out, 'summary.md'), 'stale', { mode: 0o644 });
    expect((await runCli(['triage', 'incident', '--out', out, '--window', '5m'], root)).code).toBe(0);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toBe(summary);
    expect((await stat(join(out, 'summary.md'))).mode & 0o777).toBe(0o600);
  });

  it('applies --from/--to/--label/--grep like the other capture tools', async () => {
    const from = T0 + 30n * MINUTE;
    const to = T0 + 45n * MINUTE;
    const r = await runCli(
      [
        'triage',
        'incident',
        '--json',
        '--jobs',
        '2',
        '--label',
        'app=payments',
        '--from',
        formatTimestamp(from),
        '--to',
        formatTimestamp(to),
        '--grep',
        '(?i)refused|failed',
      ],
      root,
    );
    expect(r.code).toBe(0);
    const expected = incidentEntries.filter(
      (e) => e.labels['app'] === 'payments' && e.ts >= from && e.ts <= to && /refused|failed/i.test(e.msg),
    );
    expect(expected.length).toBeGreaterThan(1000);
    const report = json(r.stdout);
    expect(report.totals.lines).toBe(expected.length);
    expect(report.services.map((s) => s.service)).toEqual(['payments']);
  });

  it('reads the active file of a live capture', async () => {
    const entries = generateEntries({ seed: 3, minutes: 10, perMinute: 200 });
    const dir = join(root, 'live');
    const w = await writeCapture(dir, entries, { keepOpen: true });
    try {
      const cap = await openCapture(dir);
      expect(cap.live).toBe(true);
      expect(cap.files.some((f) => f.index === undefined)).toBe(true);
      const r = await runCli(['triage', 'live', '--json', '--jobs', '2'], root);
      expect(r.code).toBe(0);
      expect(json(r.stdout).totals.lines).toBe(entries.length);
    } finally {
      await w.close();
    }
  });

  it('escapes a hostile log line, label and capture path in report.html', async () => {
    const dirName = 'cap-<i>x</i>';
    const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'quotes'`;
    const entries: CaptureEntry[] = [];
    for (let i = 0; i < 600; i++) {
      entries.push({
        ts: T0 + BigInt(i) * 1_000_000_000n,
        labels: { app: i % 2 ? '<b>evil</b>' : 'web' },
        msg: i % 3 === 0 ? `ERROR ${hostile} ${i}` : `request ${i} served`,
      });
    }
    await writeCapture(join(root, dirName), entries);
    const r = await runCli(['triage', dirName, '--out', 'out-hostile'], root);
    expect(r.code).toBe(0);
    const html = await readFile(join(root, 'out-hostile', 'report.html'), 'utf8');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>evil');
    expect(html).not.toContain('<i>x</i>');
    expect(html).toContain('&lt;script&gt;alert(');
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(html).toContain("default-src 'none'");
  });

  it('exits 4 for a missing capture, 2 for bad flags, 3 when --out is a capture', async () => {
    const [missing, window, label, since, out, regex, backref] = await Promise.all([
      runCli(['triage', 'nope'], root),
      runCli(['triage', 'incident', '--window', 'soon'], root),
      runCli(['triage', 'incident', '--label', 'app'], root),
      runCli(['triage', 'incident', '--since', 'yesterday-ish'], root),
      runCli(['triage', 'incident', '--out', 'baseline'], root),
      runCli(['triage', 'incident', '--grep', '(unclosed'], root),
      runCli(['triage', 'incident', '--label', 'app=~"x(?=y)"'], root),
    ]);
    expect([missing.code, window.code, label.code, since.code, out.code, regex.code, backref.code]).toEqual([
      4, 2, 2, 2, 3, 2, 2,
    ]);
    expect(flat(backref.stderr)).toContain('no backreferences or lookaround');
    expect(missing.stdout).toBe('');
    expect(flat(out.stderr)).toContain('is a capture directory');
    const asJson = await runCli(['triage', 'nope', '--json'], root);
    expect(asJson.code).toBe(4);
    expect(JSON.parse(asJson.stdout).error.message).toContain('nope');
    // Workers started before the capture is opened are ended with the command: it exits at once.
    const t0 = Date.now();
    const withJobs = await runCli(['triage', 'nope', '--jobs', '3'], root);
    expect(withJobs.code).toBe(4);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describe('logtap diff', () => {
  it('says regression (exit 6 with --ci) when the current run has the incident', async () => {
    const md = await runCli(['diff', 'baseline', 'incident', '--ci'], root);
    expect(md.code).toBe(6);
    expect(md.stdout).toContain('# logtap diff: REGRESSION');
    expect(flat(md.stderr)).toContain('verdict regression');
    const j = await runCli(['diff', 'baseline', 'incident', '--ci', '--json', '--jobs', '2'], root);
    expect(j.code).toBe(6);
    const d = JSON.parse(j.stdout);
    expect(d).toMatchObject({ schema: 'logtap.triage.diff', version: 1, verdict: 'regression' });
    expect(d.templates.new.some((t: { pattern: string }) => t.pattern.includes('connection refused'))).toBe(
      true,
    );
    expect(d.reasons.length).toBeGreaterThan(0);
    // Without --ci the verdict does not change the exit code.
    expect((await runCli(['diff', 'baseline', 'incident'], root)).code).toBe(0);
  });

  it('says stable for two runs of the same load, different for new label keys, and honours --fail-on', async () => {
    const [stable, diffLabels, notFailing] = await Promise.all([
      runCli(['diff', 'baseline', 'baseline2', '--ci', '--json'], root),
      runCli(['diff', 'baseline', 'relabelled', '--ci', '--fail-on', 'regression,different', '--json'], root),
      runCli(['diff', 'baseline', 'relabelled', '--ci'], root),
    ]);
    expect(stable.code).toBe(0);
    expect(JSON.parse(stable.stdout).verdict).toBe('stable');
    expect(diffLabels.code).toBe(6);
    const d = JSON.parse(diffLabels.stdout);
    expect(d.verdict).toBe('different');
    expect(d.labels.onlyCurrent).toEqual(['run']);
    expect(notFailing.code).toBe(0);
  });

  it('takes report.json files and triage --out directories as inputs', async () => {
    const base = await runCli(['triage', 'baseline', '--out', 'out-base'], root);
    expect(base.code).toBe(0);
    await runCli(['triage', 'incident', '--out', 'out-incident'], root);
    const r = await runCli(['diff', join('out-base', 'report.json'), 'out-incident', '--json'], root);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBe('regression');
  });

  it('exits 4 for an input that is neither a report nor a capture, 2 for an unknown --fail-on', async () => {
    await mkdir(join(root, 'empty'), { recursive: true });
    await writeFile(join(root, 'not-a-report.json'), '{"schema":"something else"}');
    const [bad, empty, failOn] = await Promise.all([
      runCli(['diff', 'not-a-report.json', 'baseline'], root),
      runCli(['diff', 'baseline', 'empty'], root),
      runCli(['diff', 'baseline', 'baseline2', '--ci', '--fail-on', 'worse'], root),
    ]);
    expect(bad.code).toBe(4);
    expect(flat(bad.stderr)).toContain('not a logtap triage report');
    expect(empty.code).toBe(4);
    expect(failOn.code).toBe(2);
  });
});
