import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The plugin run as a stand-alone oclif CLI (same command class `logtap recv` loads). */
export const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));

export interface RunningRecv {
  url: string;
  proc: ChildProcess;
  dir: string;
  /** stderr so far. */
  stderr(): string;
  /** Sends a signal and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** Resolves when the process exits on its own. */
  exited: Promise<Exit>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'logtap-recv-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Spawns `recv` on 127.0.0.1:0 (unless --listen is given) and resolves once it prints its URL.
 * Rejects with the process output when it exits first or does not start within `timeoutMs`.
 */
export function startRecv(dir: string, args: string[] = [], timeoutMs = 15_000): Promise<RunningRecv> {
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const proc = spawn(process.execPath, [BIN, 'recv', '--dir', dir, ...listen, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<Exit>((resolve) => {
    proc.on('exit', (code, signal) => {
      // Let the pipes drain before reporting.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`recv did not start within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    const onData = (): void => {
      const m = /listening on (https?:\/\/\S+)/.exec(stderr);
      if (m === null) return;
      clearTimeout(timer);
      proc.stderr!.off('data', onData);
      resolve({
        url: m[1]!,
        proc,
        dir,
        stderr: () => stderr,
        exited,
        stop: async (signal = 'SIGINT') => {
          proc.kill(signal);
          return exited;
        },
      });
    };
    proc.stderr!.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(
        new Error(`recv exited (${exit.code ?? exit.signal}) before listening; stderr:\n${exit.stderr}`),
      );
    });
  });
}

/** Runs the CLI to completion (for --help and flag errors), with `input` on stdin when given. */
export function runCli(
  args: string[],
  timeoutMs = 20_000,
  opts: { input?: string; env?: Record<string, string> } = {},
): Promise<Exit & { ms: number }> {
  const started = performance.now();
  const proc = spawn(process.execPath, [BIN, ...args], {
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      setImmediate(() => resolve({ code, signal, stdout, stderr, ms }));
    });
  });
}

/** Reads one metric's value (first series matching the prefix) from /metrics. */
export async function metric(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  throw new Error(`no series ${series} in /metrics`);
}

/** Polls until `check` returns true (or throws after `timeoutMs`). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
