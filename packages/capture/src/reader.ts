/**
 * Streaming reader: entries of a capture in file order, filtered, in bounded memory. Closed files are
 * pruned by their index line (time range, label counts) and read frame range by frame range using the
 * frame table; the active file of a live capture is read up to its last complete frame and picked up again
 * by a catch-up pass (or continuously with `follow`). Damaged input (torn final frame, corrupt frame, file
 * evicted mid-scan) is skipped and reported through `onWarning`, never thrown.
 */

import { type FileHandle, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Capture, type CaptureFile, openCapture } from './capture.js';
import { type CaptureEntry, EntryDecoder } from './entry-codec.js';
import { CaptureCorruptError } from './errors.js';
import { type CompiledFilter, compileFilter, type EntryFilter } from './filter.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './lines.js';
import { FrameDecoder } from './zstd.js';

/** Compressed bytes per read: ~1 MiB of entries per batch at typical ratios. */
const READ_BYTES = 128 << 10;
/** Lines of an unfinished frame held back for the next pass at most; beyond, they are emitted at once. */
const MAX_HELD_BYTES = 16 << 20;

/** Something the reader skipped. */
export interface ReadWarning {
  file: string;
  kind: 'missing' | 'torn' | 'corrupt' | 'invalid_lines' | 'oversized_lines';
  detail: string;
}

/** Options of {@link readEntries} / {@link readEntryBatches}. */
export interface ReadOptions {
  /** Abort the scan: the iterator throws the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Called for input that was skipped (see {@link ReadWarning}). */
  onWarning?: ((w: ReadWarning) => void) | undefined;
  /**
   * After the listed files, list the directory again and read what a live writer added meanwhile (new
   * files, new frames of the active file). Default: true when the capture is live.
   */
  catchUp?: boolean | undefined;
  /** Keep reading new data (tail -f) until the signal aborts or the capture is stopped. */
  follow?: boolean | { intervalMs?: number | undefined } | undefined;
  /** Longest line read; longer ones are skipped with a warning. Default 64 MiB. */
  maxLineBytes?: number | undefined;
  /**
   * Throw {@link CaptureCorruptError} on damaged data (`torn`, `corrupt`, `invalid_lines`) instead of
   * skipping it — for verification tools. Files evicted mid-scan (`missing`) are still only reported.
   */
  strict?: boolean | undefined;
}

interface FileProgress {
  /** Where the next read starts: a frame boundary (compressed) or line boundary (raw). */
  offset: number;
  /** Nothing more will come from this file. */
  done: boolean;
}

/** Parses decoded text into entries, optionally holding a frame's entries until the frame is complete. */
class EntrySink {
  out: CaptureEntry[] = [];
  held: CaptureEntry[] = [];
  heldBytes = 0;
  hold = false;
  invalid = 0;

  constructor(
    private readonly decoder: EntryDecoder,
    private readonly filter: CompiledFilter,
  ) {}

  readonly line = (line: string): void => {
    const e = this.decoder.decode(line);
    if (e === undefined) {
      this.invalid++;
      return;
    }
    if (!this.filter.all && !this.filter.matches(e)) return;
    if (this.hold) {
      this.held.push(e);
      this.heldBytes += line.length;
    } else {
      this.out.push(e);
    }
  };

  commitHeld(): void {
    if (this.held.length > 0) {
      if (this.out.length === 0) this.out = this.held;
      else for (const e of this.held) this.out.push(e);
      this.held = [];
    }
    this.heldBytes = 0;
  }

  dropHeld(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  take(): CaptureEntry[] | undefined {
    if (this.out.length === 0) return undefined;
    const b = this.out;
    this.out = [];
    return b;
  }
}

interface ScanContext {
  filter: CompiledFilter;
  decoder: EntryDecoder;
  signal: AbortSignal | undefined;
  warn: (w: ReadWarning) => void;
  maxLineBytes: number;
}

/** Byte ranges of a closed file worth reading: frame-table entries overlapping the time filter. */
function rangesOf(f: CaptureFile, start: number, size: number, filter: CompiledFilter): [number, number][] {
  const frames = f.index?.frames;
  if (!f.compressed || frames === undefined || frames.length === 0) return [[start, size]];
  const ranges: [number, number][] = [];
  for (const fr of frames) {
    const end = fr.offset + fr.length;
    if (end <= start || !filter.overlaps(fr.from, fr.to)) continue;
    // An entry spans several frames; a resumed read may start at a frame boundary inside it.
    const from = Math.max(fr.offset, start);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === from) last[1] = end;
    else ranges.push([from, end]);
  }
  return ranges;
}

async function* readFile(
  f: CaptureFile,
  start: number,
  final: boolean,
  ctx: ScanContext,
): AsyncGenerator<CaptureEntry[], FileProgress> {
  let fh: FileHandle;
  try {
    fh = await open(f.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      ctx.warn({ file: f.name, kind: 'missing', detail: 'evicted or removed before it could be read' });
      return { offset: start, done: true };
    }
    throw err;
  }
  const sink = new EntrySink(ctx.decoder, ctx.filter);
  const splitter = new LineSplitter(ctx.maxLineBytes);
  const buf = Buffer.allocUnsafe(READ_BYTES);
  const complete = f.index !== undefined;
  try {
    const size = (await fh.stat()).size;
    if (!f.compressed) {
      // Raw JSONL (the original's active file): complete lines only; resume at the last line boundary.
      let pos = start;
      while (pos < size) {
        ctx.signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, Math.min(READ_BYTES, size - pos), pos);
        if (bytesRead <= 0) break;
        pos += bytesRead;
        splitter.push(buf.subarray(0, bytesRead), sink.line);
        const batch = sink.take();
        if (batch !== undefined) yield batch;
      }
      const partial = splitter.reset();
      report(f, sink, splitter, ctx);
      if (partial > 0 && !final && !complete) return { offset: pos - partial, done: false };
      if (partial > 0)
        ctx.warn({
          file: f.name,
          kind: 'torn',
          detail: `${partial} bytes of an unfinished last line skipped`,
        });
      return { offset: pos, done: complete || final };
    }

    const decoder = new FrameDecoder();
    sink.hold = !complete && !final;
    let lastFrameEnd = start;
    let held = true;
    const frameSink = {
      data: (chunk: Buffer) => splitter.push(chunk, sink.line),
      frameEnd: (offset: number) => {
        lastFrameEnd = offset;
        sink.commitHeld();
      },
    };
    let corrupt = false;
    let rangeEnd = start;
    const ranges = rangesOf(f, start, size, ctx.filter);
    for (let r = 0; r < ranges.length; r++) {
      const [from, to] = ranges[r]!;
      decoder.reset(from);
      splitter.reset();
      lastFrameEnd = from;
      rangeEnd = to;
      for (let pos = from; pos < to; ) {
        ctx.signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, Math.min(READ_BYTES, to - pos), pos);
        if (bytesRead <= 0) break;
        pos += bytesRead;
        try {
          decoder.push(buf.subarray(0, bytesRead), frameSink);
        } catch (err) {
          corrupt = true;
          // With a frame table, decoding restarts at the next seek range; otherwise the file's rest is lost.
          const next = f.index?.frames?.find((fr) => fr.offset > lastFrameEnd && fr.offset < to)?.offset;
          ctx.warn({
            file: f.name,
            kind: 'corrupt',
            detail:
              `undecodable zstd data after byte ${lastFrameEnd} (${(err as Error).message}); ` +
              (next === undefined ? 'rest of the file skipped' : `skipped to byte ${next}`),
          });
          sink.dropHeld();
          if (next !== undefined) ranges.splice(r + 1, 0, [next, to]);
          break;
        }
        if (sink.hold && sink.heldBytes > MAX_HELD_BYTES) {
          // A huge unfinished frame (not one of ours): stream it now and do not come back for it.
          sink.hold = false;
          held = false;
          sink.commitHeld();
        }
        const batch = sink.take();
        if (batch !== undefined) yield batch;
      }
      if (corrupt && !complete) break;
      corrupt = false;
    }
    report(f, sink, splitter, ctx);
    const unfinished = decoder.inFrame || corrupt || (lastFrameEnd < rangeEnd && !complete);
    if (unfinished && sink.hold && held) {
      // A live writer is still writing this frame: read it whole in the next pass.
      sink.dropHeld();
      splitter.reset();
      return { offset: lastFrameEnd, done: false };
    }
    sink.commitHeld();
    const batch = sink.take();
    if (batch !== undefined) yield batch;
    const partial = splitter.reset();
    if (unfinished) {
      ctx.warn({
        file: f.name,
        kind: 'torn',
        detail: `unfinished frame at byte ${lastFrameEnd} of ${size}: its complete lines were read${partial > 0 ? `, ${partial} bytes of a partial line skipped` : ''}`,
      });
    }
    return { offset: size, done: complete || final || !held };
  } finally {
    await fh.close();
  }
}

function report(f: CaptureFile, sink: EntrySink, splitter: LineSplitter, ctx: ScanContext): void {
  if (sink.invalid > 0) {
    ctx.warn({
      file: f.name,
      kind: 'invalid_lines',
      detail: `${sink.invalid} line(s) are not capture entries`,
    });
    sink.invalid = 0;
  }
  if (splitter.oversized > 0) {
    ctx.warn({
      file: f.name,
      kind: 'oversized_lines',
      detail: `${splitter.oversized} line(s) longer than ${splitter.maxLineBytes} bytes skipped`,
    });
    splitter.oversized = 0;
  }
}

function normalise(options: ReadOptions | AbortSignal | undefined): ReadOptions {
  if (options === undefined) return {};
  if (options instanceof AbortSignal) return { signal: options };
  return options;
}

/**
 * The entries of a capture, in batches (arrays of up to a few thousand entries), in file order: files by
 * name (= creation order), each file in write order. Batches are the fast path (no per-entry promise);
 * {@link readEntries} flattens them.
 */
export async function* readEntryBatches(
  source: string | Capture,
  filter?: EntryFilter,
  options?: ReadOptions | AbortSignal,
): AsyncGenerator<CaptureEntry[], void, undefined> {
  const opts = normalise(options);
  const signal = opts.signal;
  signal?.throwIfAborted();
  let cap = typeof source === 'string' ? await openCapture(source) : source;
  const ctx: ScanContext = {
    filter: compileFilter(filter),
    decoder: new EntryDecoder(),
    signal,
    warn: (w) => {
      if (opts.strict && (w.kind === 'torn' || w.kind === 'corrupt' || w.kind === 'invalid_lines')) {
        throw new CaptureCorruptError(w.file, w.detail);
      }
      opts.onWarning?.(w);
    },
    maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  };
  let follow = opts.follow !== undefined && opts.follow !== false;
  const interval = typeof opts.follow === 'object' ? (opts.follow.intervalMs ?? 250) : 250;
  let extra = follow ? Number.POSITIVE_INFINITY : (opts.catchUp ?? cap.live) ? 1 : 0;
  const progress = new Map<string, FileProgress>();
  for (let pass = 0; ; pass++) {
    const final = pass >= extra;
    for (const f of cap.files) {
      const p = progress.get(f.name);
      if (p?.done) continue;
      const ix = f.index;
      if (
        ix !== undefined &&
        (!ctx.filter.overlaps(ix.from, ix.to) ||
          !ctx.filter.mayMatchLabels(ix.labels, ix.lines, ix.labelsOverflow))
      ) {
        progress.set(f.name, { offset: 0, done: true });
        continue;
      }
      const start = p?.offset ?? 0;
      if (p !== undefined && ix === undefined && f.size <= start && !final) continue; // nothing new yet
      progress.set(f.name, yield* readFile(f, start, final, ctx));
    }
    if (final) return;
    if (follow) {
      await sleep(interval, undefined, signal === undefined ? {} : { signal });
    }
    cap = await openCapture(cap.dir);
    if (follow && !cap.live) {
      // The writer stopped: one last pass picks up its final frames.
      follow = false;
      extra = pass + 1;
    }
  }
}

/**
 * The entries of a capture that match `filter`, in file order (see docs/capture-format.md, "Ordering").
 * Memory stays bounded on any capture size; damaged input is skipped and reported via `onWarning`.
 * Pass an AbortSignal (or `{ signal }`) to cancel.
 *
 * @example
 * for await (const e of readEntries('./capture', { labels: [{ name: 'app', op: '=', value: 'web' }] })) {
 *   console.log(e.ts, e.msg);
 * }
 */
export function readEntries(
  source: string | Capture,
  filter?: EntryFilter,
  options?: ReadOptions | AbortSignal,
): AsyncIterableIterator<CaptureEntry> {
  // A hand-written iterator over the batches: an async generator with `yield*` costs a generator resume
  // and a promise per entry on top of the for-await's own, ~2x slower per entry (bench/reader.ts).
  const batches = readEntryBatches(source, filter, options);
  let batch: CaptureEntry[] = [];
  let i = 0;
  const done = { done: true, value: undefined } as const;
  const it: AsyncIterableIterator<CaptureEntry> = {
    [Symbol.asyncIterator]: () => it,
    next: async () => {
      while (i >= batch.length) {
        const r = await batches.next();
        if (r.done) return done;
        batch = r.value;
        i = 0;
      }
      return { done: false, value: batch[i++]! };
    },
    return: async () => {
      batch = [];
      await batches.return(undefined);
      return done;
    },
  };
  return it;
}
