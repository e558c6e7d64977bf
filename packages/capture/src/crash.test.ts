import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { openCapture } from './capture.js';
import { type ReadWarning, readEntries } from './reader.js';
import { jsonLines } from './test-helpers/inspect.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import { CaptureWriter } from './writer.js';

const CHILD = fileURLToPath(new URL('./test-helpers/crash-child.mjs', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
});

/** Deterministic kill times (a seeded LCG), so a failure reproduces. */
function killTimes(seed: number, n: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 250 + (x % 1000);
  });
}

/** Runs the child writer on `dir`, SIGKILLs it after `ms` of writing; returns the last seq it saw flushed. */
function runAndKill(ms: number, first: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(first)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let flushed = -1;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) {
        if (l === 'ready' && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), ms);
        const m = /^flushed (\d+)$/.exec(l);
        if (m) flushed = Math.max(flushed, Number(m[1]));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before the kill`));
      else resolve(flushed);
    });
  });
}

async function seqs(warnings: ReadWarning[]): Promise<number[]> {
  const out: number[] = [];
  for await (const e of readEntries(dir, undefined, { onWarning: (w) => warnings.push(w) })) {
    out.push(Number(/^seq=(\d+) /.exec(e.msg)![1]));
  }
  return out;
}

describe('crash safety', () => {
  it('keeps every flushed line through SIGKILL at random moments, and recovers the torn file', async () => {
    // Three crash/recover cycles on the same capture: each run continues the numbering after the survivors.
    let next = 0;
    for (const ms of killTimes(20240115, 3)) {
      const flushed = await runAndKill(ms, next);
      expect(flushed).toBeGreaterThanOrEqual(next);

      // Before recovery: the reader copes with whatever the kill left (orphan active file, torn frame).
      const before = await seqs([]);
      expect(before.slice(0, flushed + 1)).toEqual(Array.from({ length: flushed + 1 }, (_, i) => i));
      const crashed = await openCapture(dir);
      expect(crashed.live).toBe(true);
      const orphans = crashed.files.filter((f) => f.index === undefined).map((f) => f.name);

      // Reopening recovers: every file indexed, the survivors are exactly seq 0..k, k >= last flushed.
      const w = await CaptureWriter.open(dir, { minFreeBytes: 0 });
      await w.close();
      const warnings: ReadWarning[] = [];
      const after = await seqs(warnings);
      expect(warnings).toEqual([]);
      expect(after.length).toBeGreaterThan(flushed);
      expect(after).toEqual(Array.from({ length: after.length }, (_, i) => i));
      const rec = await openCapture(dir);
      expect(rec.files.every((f) => f.index !== undefined)).toBe(true);
      expect(rec.indexedLines).toBe(after.length);
      expect(rec.metadata).toMatchObject({ state: 'stopped', totalLines: after.length });
      const audit = jsonLines(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'));
      // The reopen saw the unclean stop and recovered each unindexed file (none if the kill fell between
      // a rotation and the next file's first frame).
      expect(audit.filter((a) => a['event'] === 'capture_opened').at(-1)).toMatchObject({
        unclean_shutdown: true,
      });
      const recovered = audit.filter((a) => a['event'] === 'recovered').map((a) => a['file']);
      for (const o of orphans) expect(recovered).toContain(o);
      next = after.length;
    }
  }, 60_000);
});
