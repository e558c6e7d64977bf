/**
 * `logtap grep`: lines whose message matches a pattern, as text (`time service msg`) or canonical JSONL,
 * with context lines (-C) or as per-file counts. Without context the scan's literal prefilter means most
 * lines are never decoded (scan.ts), and matches are written from their raw bytes (grep-writer.ts); with
 * context or colour every line passing the time and label filters is a row (an offset and a match
 * flag), decoded only when printed.
 */

import { type Capture, type CaptureEntry, EntryEncoder, type ReadWarning } from '@logtap/capture/read';
import type { ToolFilter } from './filter.js';
import { RawGrepWriter } from './grep-writer.js';
import { type RowBatch, scanEntries, scanMatches, scanRows } from './scan.js';
import { TextFormatter } from './text-format.js';

export { TextFormatter } from './text-format.js';

export type GrepFormat = 'text' | 'jsonl';

export interface GrepOptions {
  format?: GrepFormat;
  /** Lines of context before and after each match (in the filtered stream; may cross files). */
  context?: number;
  /** Stop after this many matches (their trailing context is still printed). */
  maxCount?: number | undefined;
  /** Count matches per file instead of printing them. */
  count?: boolean;
  /** Colour text output (time, service, matches) with ANSI codes. */
  color?: boolean;
  /**
   * Receives the output, in pieces of whole lines (a string, or UTF-8 bytes the callee may keep); may
   * return a promise for backpressure.
   */
  write: (chunk: string | Buffer) => void | Promise<void>;
  signal?: AbortSignal | undefined;
  onWarning?: ((w: ReadWarning) => void) | undefined;
}

export interface GrepResult {
  matches: number;
  /** Files with at least one match, in file order. */
  files: Array<{ file: string; count: number }>;
}

const FLUSH_CHARS = 64 * 1024;

async function* asRows(
  src: AsyncIterable<{ file: string; entries: CaptureEntry[] }>,
): AsyncGenerator<RowBatch> {
  for await (const b of src) {
    const entries = b.entries;
    yield { file: b.file, match: new Array<boolean>(entries.length).fill(true), entry: (i) => entries[i] };
  }
}

/** Output bytes gathered before they are written (a range's matches are written after the range). */
const FLUSH_BYTES = 1 << 20;

/** Runs grep over a capture. `filter.msg` is the pattern (plus any --from/--to/--label). */
export async function grepCapture(cap: Capture, filter: ToolFilter, opts: GrepOptions): Promise<GrepResult> {
  if (filter.msg === undefined) throw new TypeError('grepCapture needs a filter with a message pattern');
  const context = opts.count ? 0 : Math.max(0, opts.context ?? 0);
  if (context === 0 && (opts.color !== true || opts.count === true || opts.format === 'jsonl')) {
    return grepRaw(cap, filter, opts);
  }
  return grepEntries(cap, filter, opts, context);
}

/** grep without context or colour: matches written from their raw bytes (see RawGrepWriter). */
async function grepRaw(cap: Capture, filter: ToolFilter, opts: GrepOptions): Promise<GrepResult> {
  const format = opts.format ?? 'text';
  const w = new RawGrepWriter(format, opts.count === true, opts.maxCount ?? Number.POSITIVE_INFINITY);
  const flush = async (): Promise<void> => {
    for (const chunk of w.take()) await opts.write(chunk);
  };
  const scanOpts = { signal: opts.signal, onWarning: opts.onWarning };
  for await (const _ of scanMatches(cap, filter, w, scanOpts)) {
    if (w.pending >= FLUSH_BYTES) await flush();
  }
  await flush();
  const files = w.files;
  if (opts.count) {
    let out = '';
    for (const f of files) out += format === 'jsonl' ? `${JSON.stringify(f)}\n` : `${f.file}\t${f.count}\n`;
    if (out !== '') await opts.write(out);
  }
  return { matches: w.matches, files };
}

/** grep with context (-C) or colour: rows of the filtered stream, decoded and formatted when printed. */
async function grepEntries(
  cap: Capture,
  filter: ToolFilter,
  opts: GrepOptions,
  context: number,
): Promise<GrepResult> {
  const msg = filter.msg!;
  const max = opts.maxCount ?? Number.POSITIVE_INFINITY;
  const format = opts.format ?? 'text';
  const text = new TextFormatter(opts.color ? (m) => msg.ranges(m) : undefined);
  const encoder = new EntryEncoder();
  let out = '';
  const flush = async (): Promise<void> => {
    if (out.length === 0) return;
    const s = out;
    out = '';
    await opts.write(s);
  };
  const emit = (batch: RowBatch, i: number, kind: 'match' | 'before' | 'after'): void => {
    const e = batch.entry(i);
    if (e === undefined) return;
    if (format === 'jsonl') {
      const line = encoder.encode(e);
      out += kind === 'match' ? line : `${line.slice(0, -2)},"context":"${kind}"}\n`;
    } else {
      out += text.format(e, context === 0 ? ' ' : kind === 'match' ? ':' : '-');
    }
  };
  const files: GrepResult['files'] = [];
  let matches = 0;
  // The last `context` non-matching lines not printed yet, as a circular buffer of (batch, index): no
  // allocation per line.
  const ringBatch = new Array<RowBatch | undefined>(context);
  const ringIndex = new Int32Array(context);
  let ringStart = 0;
  let ringLength = 0;
  let after = 0;
  let printed = false;
  let gap = false;
  const scanOpts = { signal: opts.signal, onWarning: opts.onWarning };
  // Without context only matches matter: the scan tests the pattern (with its literal prefilter). With
  // context every line of the filtered stream is a candidate, so rows are decoded only when printed.
  const scan: AsyncIterable<RowBatch> =
    context === 0 ? asRows(scanEntries(cap, filter, scanOpts)) : scanRows(cap, filter, scanOpts);
  let done = false;
  for await (const batch of scan) {
    let fileCount = 0;
    const match = batch.match;
    for (let i = 0; i < match.length; i++) {
      if (match[i] && matches < max) {
        matches++;
        fileCount++;
        if (opts.count) continue;
        if (context > 0) {
          if (printed && gap && format === 'text') out += '--\n';
          for (let k = 0; k < ringLength; k++) {
            const at = (ringStart + k) % context;
            emit(ringBatch[at]!, ringIndex[at]!, 'before');
            ringBatch[at] = undefined;
          }
          ringStart = 0;
          ringLength = 0;
          gap = false;
        }
        emit(batch, i, 'match');
        printed = true;
        after = context;
      } else if (after > 0) {
        emit(batch, i, 'after');
        after--;
      } else if (matches >= max) {
        done = true;
        break;
      } else if (context > 0) {
        let at: number;
        if (ringLength < context) {
          at = (ringStart + ringLength) % context;
          ringLength++;
        } else {
          at = ringStart;
          ringStart = (ringStart + 1) % context;
          gap = true;
        }
        ringBatch[at] = batch;
        ringIndex[at] = i;
      }
      if (matches >= max && context === 0) {
        done = true;
        break;
      }
    }
    if (fileCount > 0) {
      const last = files[files.length - 1];
      if (last?.file === batch.file) last.count += fileCount;
      else files.push({ file: batch.file, count: fileCount });
    }
    if (out.length >= FLUSH_CHARS) await flush();
    if (done) break;
  }
  if (opts.count) {
    for (const f of files) out += format === 'jsonl' ? `${JSON.stringify(f)}\n` : `${f.file}\t${f.count}\n`;
  }
  await flush();
  return { matches, files };
}
