/**
 * Fixtures of the triage and diff tests: @logtap/triage's generated load-test stream (four services, a
 * mix of JSON, logfmt, access-log and plain lines, ~1% background errors, an optional injected burst)
 * written as a real multi-file, multi-frame capture; and a runner for the built CLI.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaptureEntry, CaptureWriter } from '@logtap/capture';
import { generateStream, type StreamSpec } from '@logtap/triage/testing';

/** 2026-03-05T14:32:00Z, minute-aligned so injected minutes are bucket starts. */
export const T0 = 1_772_721_120_000_000_000n;
export const MINUTE = 60_000_000_000n;

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/run.js');

/** The stream of `@logtap/triage/testing` starting at {@link T0}, as capture entries. */
export function generateEntries(spec: Omit<StreamSpec, 'start'>): CaptureEntry[] {
  return generateStream({ ...spec, start: T0 }) as CaptureEntry[];
}

/** A temporary directory holding nothing yet; `rm()` removes it. */
export async function tempDir(): Promise<{ dir: string; rm: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'logtap-triage-'));
  return { dir, rm: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes a closed capture at `dir`: small files (several per test capture) and small frames, so both
 * the across-files and within-file (frame table) splits of --jobs are exercised.
 */
export async function writeCapture(
  dir: string,
  entries: readonly CaptureEntry[],
  opts: { maxFileBytes?: number; keepOpen?: boolean } = {},
): Promise<CaptureWriter> {
  const w = await CaptureWriter.open(dir, {
    worker: false,
    maxFileBytes: opts.maxFileBytes ?? 768 << 10,
    flushBytes: 32 << 10,
    seekBytes: 64 << 10,
    minFreeBytes: 0,
  });
  for (let i = 0; i < entries.length; i += 1000) {
    while (!w.append(entries.slice(i, i + 1000))) await w.flush();
  }
  if (!opts.keepOpen) await w.close();
  else await w.flush();
  return w;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built plugin's CLI (`node bin/run.js ...args`). */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
