/**
 * What the commands share once they run (loaded lazily, never for --help): opening the capture and its
 * filter, turning errors into messages and exit codes, output targets with backpressure, warnings and the
 * progress bar. Streams are passed in; nothing here reads `process`.
 */

import { constants } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { type Capture, CaptureError, openCapture, type ReadWarning } from '@logtap/capture/read';
import { OutputExistsError, OutputIoError, ToolError } from './errors.js';
import { buildFilter, type FilterInput, type ToolFilter } from './filter.js';
import { EXIT } from './flags.js';

/** Opens a capture and resolves the filter flags against it. */
/** The filter flags shared by slice, export and grep (see flags.ts), as oclif parses them. */
export interface FilterFlags {
  from?: string | undefined;
  to?: string | undefined;
  label?: string[] | undefined;
  'ignore-case'?: boolean | undefined;
  'fixed-strings'?: boolean | undefined;
}

/** The filter input of a command's flags; `grep` is the message pattern (a flag or grep's argument). */
export function filterInput(flags: FilterFlags, grep: string | undefined, nowNs: bigint): FilterInput {
  return {
    from: flags.from,
    to: flags.to,
    labels: flags.label,
    grep,
    ignoreCase: flags['ignore-case'],
    fixedStrings: flags['fixed-strings'],
    nowNs,
  };
}

/** What {@link interruptible} listens on (the process, passed in by the command). */
export interface SignalSource {
  once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * An abort controller that SIGINT and SIGTERM abort (with "interrupted"), so a command stops its scan and
 * removes partial output; `dispose` removes the listeners.
 */
export function interruptible(proc: SignalSource): { abort: AbortController; dispose(): void } {
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  return {
    abort,
    dispose: () => {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}

export async function loadSource(
  dir: string,
  input: FilterInput,
): Promise<{ cap: Capture; filter: ToolFilter }> {
  const cap = await openCapture(dir);
  return { cap, filter: buildFilter(cap, input) };
}

/** A known error as message, exit code and suggestions; undefined for anything unexpected. */
export function translateError(
  err: unknown,
): { message: string; exit: number; suggestions: string[] } | undefined {
  if (err instanceof CaptureError) {
    switch (err.code) {
      case 'CAPTURE_NOT_FOUND':
      case 'CAPTURE_NOT_A_CAPTURE':
      case 'CAPTURE_IO':
      case 'CAPTURE_CORRUPT':
        return { message: err.message, exit: EXIT.capture, suggestions: [] };
      case 'CAPTURE_INVALID_FILTER':
        return {
          message: err.message,
          exit: EXIT.usage,
          suggestions: ['label matchers look like app=web, app!=web, app=~"web|api", pod!~"canary-.*"'],
        };
      case 'CAPTURE_INVALID_REGEX':
        return {
          message: err.message,
          exit: EXIT.usage,
          suggestions: ['test the pattern with -F to match it literally'],
        };
      case 'CAPTURE_INVALID_TIME':
      case 'CAPTURE_INVALID_OPTION':
        return { message: err.message, exit: EXIT.usage, suggestions: [] };
      case 'CAPTURE_LOCKED':
      case 'CAPTURE_WRITER_FAILED':
        return { message: err.message, exit: EXIT.output, suggestions: [] };
      default:
        return undefined;
    }
  }
  if (err instanceof ToolError) {
    switch (err.code) {
      case 'TOOLS_INVALID_ARGUMENT':
        return {
          message: err.message,
          exit: EXIT.usage,
          suggestions: (err as ToolError & { suggestions: string[] }).suggestions,
        };
      case 'TOOLS_OUTPUT_EXISTS':
      case 'TOOLS_OUTPUT_IO':
      case 'TOOLS_SLICE_INCOMPLETE':
        return { message: err.message, exit: EXIT.output, suggestions: [] };
    }
  }
  return undefined;
}

/** Collects reader warnings (corrupt frames, torn tails, invalid lines) and reports each kind per file once. */
export class WarningLog {
  readonly all: ReadWarning[] = [];
  constructor(private readonly print: ((text: string) => void) | undefined) {}

  readonly add = (w: ReadWarning): void => {
    this.all.push(w);
    if (this.all.length <= 20) this.print?.(`${w.file}: ${w.detail}`);
    else if (this.all.length === 21) this.print?.('more warnings follow; see --json for all of them');
  };

  /** JSON form for --json outputs. */
  toJson(): Array<{ file: string; kind: string; detail: string }> {
    return this.all.map((w) => ({ file: w.file, kind: w.kind, detail: w.detail }));
  }
}

/** Human-readable byte size (binary units). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A progress bar on a TTY stream: lines, MB/s, percent and ETA, redrawn at most every 200 ms. */
export class ProgressBar {
  #last = 0;
  readonly #start: number;

  constructor(
    private readonly stream: Writable & { columns?: number },
    private readonly totalBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#start = now();
  }

  update(scannedBytes: number, lines: number): void {
    const t = this.now();
    if (t - this.#last < 200) return;
    this.#last = t;
    const secs = Math.max(0.001, (t - this.#start) / 1000);
    const rate = scannedBytes / secs;
    const frac = this.totalBytes > 0 ? Math.min(1, scannedBytes / this.totalBytes) : 0;
    const eta =
      rate > 0 && this.totalBytes > scannedBytes ? Math.round((this.totalBytes - scannedBytes) / rate) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const text = `${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${lines.toLocaleString('en-US')} lines  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${eta}s`;
    this.stream.write(`\r${text.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
  }

  done(): void {
    if (this.#last > 0) this.stream.write('\r\x1b[K');
  }
}

/** An output target: bytes go to a temporary file renamed into place by `commit`, or to a stream. */
export interface Output {
  readonly path: string;
  write(chunk: Uint8Array | string): Promise<void>;
  /** Makes the output final (renames the file into place). */
  commit(): Promise<void>;
  /** Removes a partial file. */
  abort(): Promise<void>;
}

/**
 * Writes to a stream with backpressure; EPIPE (a closed pipe, e.g. `| head`) ends the output quietly and
 * calls `onClosed` (commands abort their scan there).
 */
export function streamOutput(
  stream: Writable,
  name = '-',
  onClosed?: () => void,
): Output & { closed: boolean } {
  const o = {
    path: name,
    closed: false,
    async write(chunk: Uint8Array | string): Promise<void> {
      if (o.closed) return;
      const ok = stream.write(chunk);
      if (ok) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
        stream.on('close', done);
      });
    },
    async commit() {},
    async abort() {},
  };
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      o.closed = true;
      // The reader went away (`| head`): stop the scan instead of reading the rest of the capture.
      onClosed?.();
    }
  });
  return o;
}

/** Opens a file output: written to `<path>.partial-<pid>` (0600), renamed into place on commit. */
export async function fileOutput(path: string, force: boolean, pid: number): Promise<Output> {
  if (!force) {
    const exists = await stat(path).then(
      () => true,
      (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
    );
    if (exists) throw new OutputExistsError(path);
  }
  const tmp = `${path}.partial-${pid}`;
  let fh: FileHandle;
  try {
    fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  } catch (err) {
    throw new OutputIoError(path, { cause: err });
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // Small chunks are gathered into ~1 MiB writes: one syscall per MiB instead of one per batch.
  const flush = async () => {
    if (pendingBytes === 0) return;
    const buf = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    try {
      await fh.write(buf);
    } catch (err) {
      throw new OutputIoError(path, { cause: err });
    }
  };
  return {
    path,
    async write(chunk) {
      const b =
        typeof chunk === 'string'
          ? Buffer.from(chunk)
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      pending.push(b);
      pendingBytes += b.length;
      if (pendingBytes >= 1 << 20) await flush();
    },
    async commit() {
      await flush();
      try {
        await fh.close();
        await rename(tmp, path);
      } catch (err) {
        throw new OutputIoError(path, { cause: err });
      }
    },
    async abort() {
      await fh.close().catch(() => {
        // Already closed by commit: nothing to release.
      });
      await rm(tmp, { force: true });
    },
  };
}
