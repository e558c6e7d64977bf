/**
 * inspect, slice, export and grep as a user runs them (the plugin's bin, built dist/): exit codes, stdout
 * purity with --out -, --json outputs pinned by snapshots, and the hint for swapped grep arguments.
 */

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeOriginalCapture } from '@logtap/capture/testing';
import { BASE_NS, removeDir, tempDir, toolEntries, withoutMeta, writeCapture } from './tools-fixtures.js';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
let root: string;
let cap: string;
const ENTRIES = toolEntries(1200);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Replaces the temporary paths in an output. */
function scrub(o: unknown): unknown {
  return JSON.parse(JSON.stringify(o).replaceAll(root, '<root>'));
}

beforeAll(async () => {
  root = tempDir();
  cap = path.join(root, 'capture');
  await writeCapture(cap, ENTRIES);
});
afterAll(() => removeDir(root));

describe('logtap inspect', () => {
  it('prints the report, or JSON with --json', async () => {
    const text = await run('inspect', cap);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('lines      1,200');
    const json = await run('inspect', cap, '--json', '--top', '1');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.schema).toBe('logtap.inspect/v1');
    expect(r.lines).toBe(ENTRIES.length);
    expect(r.labels.every((l: { values: unknown[] }) => l.values.length <= 1)).toBe(true);
  });

  it('exits 4 for a missing capture', async () => {
    const r = await run('inspect', path.join(root, 'nope'));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('does not exist');
  });
});

describe('logtap export', () => {
  it('writes only the data to stdout with --out -', async () => {
    const r = await run('export', cap, '--format', 'jsonl', '--out', '-', '-l', 'app=web');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(ENTRIES.filter((e) => e.labels['app'] === 'web').length);
    for (const l of lines) expect(JSON.parse(l).labels.app).toBe('web');
    expect(r.stderr).toBe('');
  });

  it('prints a --json summary (pinned) and leaves no partial file', async () => {
    const out = path.join(root, 'api.parquet');
    const r = await run(
      'export',
      cap,
      '--out',
      out,
      '--json',
      '-l',
      'app=api',
      '--from',
      '10:32:02',
      '--grep',
      'GET',
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    // The Parquet size depends on parquet-wasm's encoder; the rest is pinned.
    expect(summary.bytes).toBe(readFileSync(out).length);
    expect(scrub({ ...summary, bytes: '<bytes>' })).toMatchSnapshot();
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(root).filter((n) => n.includes('.partial-'))).toEqual([]);
  });

  it('refuses to overwrite without --force (exit 3), and an unknown extension (exit 2)', async () => {
    const out = path.join(root, 'exists.csv');
    writeFileSync(out, 'keep me');
    const r = await run('export', cap, '--out', out);
    expect(r.code).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await run('export', cap, '--out', out, '--force')).code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith('ts,labels,msg,meta')).toBe(true);
    const bad = await run('export', cap, '--out', path.join(root, 'x.txt'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format');
  });

  it('rejects an invalid time or regex with exit 2', async () => {
    expect((await run('export', cap, '--out', '-', '-f', 'csv', '--from', 'yesterday')).code).toBe(2);
    const re = await run('export', cap, '--out', '-', '-f', 'csv', '--grep', '(a)\\1');
    expect(re.code).toBe(2);
    expect(re.stderr).toContain('RE2');
  });
});

describe('logtap slice', () => {
  it('writes a capture and prints a --json summary (pinned) that inspect confirms', async () => {
    const out = path.join(root, 'slice');
    const r = await run('slice', cap, '--out', out, '--json', '-l', 'namespace=shop', '--to', '10:32:05');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(
      scrub({ ...summary, provenance: { ...summary.provenance, created: '<created>' } }),
    ).toMatchSnapshot();
    const insp = JSON.parse((await run('inspect', out, '--json')).stdout);
    expect(insp.lines).toBe(summary.lines);
    expect(insp.slice.source).toBe(cap);
    expect((await run('slice', cap, '--out', out)).code).toBe(3);
  });
});

describe('logtap grep', () => {
  it('prints matches and exits 0, or exits 1 when nothing matches', async () => {
    const r = await run('grep', 'timeout', cap, '-m', '2');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(2);
    expect((await run('grep', 'no such thing', cap)).code).toBe(1);
  });

  it('hints when the arguments are swapped', async () => {
    const r = await run('grep', cap, 'timeout');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the pattern comes first');
    expect(r.stderr).toContain(`logtap grep timeout ${cap}`);
  });

  it('counts per file', async () => {
    const r = await run('grep', '--count', 'GET', cap);
    expect(r.code).toBe(0);
    const total = r.stdout
      .trim()
      .split('\n')
      .reduce((a, l) => a + Number(l.split('\t')[1]), 0);
    expect(total).toBe(ENTRIES.filter((e) => e.msg.includes('GET')).length);
  });
});

describe('an original-format capture', () => {
  it('is read by inspect, grep, export and slice', async () => {
    const dir = path.join(root, 'original');
    const plain = withoutMeta(ENTRIES);
    writeOriginalCapture(dir, {
      rotated: [plain.slice(0, 500)],
      active: plain.slice(500),
      startedNs: BASE_NS,
    });
    const insp = JSON.parse((await run('inspect', dir, '--json')).stdout);
    expect(insp).toMatchObject({ lines: ENTRIES.length, state: 'live', files: { indexed: 1, orphans: 1 } });
    const want = ENTRIES.filter((e) => e.msg.includes('declined')).length;
    const g = await run('grep', '--count', 'declined', dir);
    expect(
      g.stdout
        .trim()
        .split('\n')
        .reduce((a, l) => a + Number(l.split('\t')[1]), 0),
    ).toBe(want);
    const x = await run('export', dir, '-f', 'jsonl', '--out', '-', '--grep', 'declined');
    expect(x.stdout.trim().split('\n').length).toBe(want);
    const out = path.join(root, 'original-slice');
    const sl = JSON.parse((await run('slice', dir, '--out', out, '--json', '--grep', 'declined')).stdout);
    expect(sl.lines).toBe(want);
    expect(JSON.parse((await run('inspect', out, '--json')).stdout).lines).toBe(want);
  });
});
