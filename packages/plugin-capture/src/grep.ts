/**
 * `logtap grep`: lines whose message matches a pattern, as text (`time service msg`) or canonical JSONL,
 * with context lines (-C) or as per-file counts. Without context the scan's literal prefilter means most
 * lines are never decoded (scan.ts); with context every line passing the time and label filters is a row
 * (an offset and a match flag), decoded only when printed.
 */

import {
  type Capture,
  type CaptureEntry,
  EntryEncoder,
  type ReadWarning,
  TimestampFormatter,
} from '@logtap/capture';
import { serviceOf } from '@logtap/tui';
import { escapeControls } from './escape.js';
import type { ToolFilter } from './filter.js';
import { type RowBatch, scanEntries, scanRows } from './scan.js';

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
  /** Receives output text; may return a promise for backpressure. */
  write: (text: string) => void | Promise<void>;
  signal?: AbortSignal | undefined;
  onWarning?: ((w: ReadWarning) => void) | undefined;
}

export interface GrepResult {
  matches: number;
  /** Files with at least one match, in file order. */
  files: Array<{ file: string; count: number }>;
}

const FLUSH_CHARS = 64 * 1024;

const SGR = { match: '\x1b[1;31m', time: '\x1b[2m', service: '\x1b[36m', reset: '\x1b[0m' };

/**
 * Text-format line: `2024-01-15T10:32:01.123Z service msg` (time to the millisecond, UTC). With a
 * `highlight` function (grep --color), the time is dimmed, the service coloured and matches in bold red.
 */
export class TextFormatter {
  readonly #service = new WeakMap<object, string>();
  readonly #ts = new TimestampFormatter();

  constructor(private readonly highlight?: (msg: string) => Array<[number, number]>) {}

  format(e: CaptureEntry, mark = ' '): string {
    let svc = this.#service.get(e.labels);
    if (svc === undefined) {
      svc = escapeControls(serviceOf(e.labels));
      this.#service.set(e.labels, svc);
    }
    const t = this.#ts.format(e.ts);
    // mark: ' ' plain, ':' a match and '-' a context line when -C is on (grep's convention).
    const sep = mark === ' ' ? ' ' : `${mark} `;
    // A trailing CR is what a CRLF-terminated log line leaves: not worth showing as \r.
    const msg = e.msg.endsWith('\r') ? e.msg.slice(0, -1) : e.msg;
    if (this.highlight === undefined) return `${t.slice(0, 23)}Z ${svc}${sep}${escapeControls(msg)}\n`;
    let body = '';
    let at = 0;
    // Each piece is escaped on its own, so escapes never split a colour code and vice versa.
    for (const [a, b] of mark === '-' ? [] : this.highlight(msg)) {
      body += `${escapeControls(msg.slice(at, a))}${SGR.match}${escapeControls(msg.slice(a, b))}${SGR.reset}`;
      at = b;
    }
    body += escapeControls(msg.slice(at));
    return `${SGR.time}${t.slice(0, 23)}Z${SGR.reset} ${SGR.service}${svc}${SGR.reset}${sep}${body}\n`;
  }
}

async function* asRows(
  src: AsyncIterable<{ file: string; entries: CaptureEntry[] }>,
): AsyncGenerator<RowBatch> {
  for await (const b of src) {
    const entries = b.entries;
    yield { file: b.file, match: new Array<boolean>(entries.length).fill(true), entry: (i) => entries[i] };
  }
}

/** Runs grep over a capture. `filter.msg` is the pattern (plus any --from/--to/--label). */
export async function grepCapture(cap: Capture, filter: ToolFilter, opts: GrepOptions): Promise<GrepResult> {
  const msg = filter.msg;
  if (msg === undefined) throw new TypeError('grepCapture needs a filter with a message pattern');
  const context = opts.count ? 0 : Math.max(0, opts.context ?? 0);
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
