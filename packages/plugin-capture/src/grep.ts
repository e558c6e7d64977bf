/**
 * `logtap grep`: lines whose message matches a pattern, as text (`time service msg`) or canonical JSONL,
 * with context lines (-C) or as per-file counts. Without context the scan's literal prefilter means most
 * lines are never decoded (scan.ts); with context every line passing the time and label filters is a row
 * (an offset and a match flag), read only when printed (grep-context.ts). Either way lines are written
 * from their raw bytes (grep-writer.ts), through the entry formatters only when the bytes are not what
 * they would write.
 */

import type { Capture, ReadWarning } from '@logtap/capture/read';
import type { ToolFilter } from './filter.js';
import { ContextGrepWriter } from './grep-context.js';
import { RawGrepWriter } from './grep-writer.js';
import { scanContext } from './scan-context.js';
import { scanMatches } from './scan-match.js';

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

/** Output bytes gathered before they are written (a range's matches are written after the range). */
const FLUSH_BYTES = 1 << 20;

/** Runs grep over a capture. `filter.msg` is the pattern (plus any --from/--to/--label). */
export async function grepCapture(cap: Capture, filter: ToolFilter, opts: GrepOptions): Promise<GrepResult> {
  const msg = filter.msg;
  if (msg === undefined) throw new TypeError('grepCapture needs a filter with a message pattern');
  const count = opts.count === true;
  const context = count ? 0 : Math.max(0, opts.context ?? 0);
  const format = opts.format ?? 'text';
  // Highlighting ranges come from re2js (MessagePattern.ranges): exactly RE2's matches.
  const highlight = opts.color === true && !count ? (m: string) => msg.ranges(m) : undefined;
  const w = new RawGrepWriter(format, count, opts.maxCount ?? Number.POSITIVE_INFINITY, highlight);
  const flush = async (): Promise<void> => {
    for (const chunk of w.take()) await opts.write(chunk);
  };
  const scanOpts = { signal: opts.signal, onWarning: opts.onWarning };
  const scan =
    context > 0
      ? scanContext(cap, filter, new ContextGrepWriter(w, context), scanOpts)
      : scanMatches(cap, filter, w, scanOpts);
  for await (const _ of scan) {
    if (w.pending >= FLUSH_BYTES) await flush();
  }
  await flush();
  const files = w.files;
  if (count) {
    let out = '';
    for (const f of files) out += format === 'jsonl' ? `${JSON.stringify(f)}\n` : `${f.file}\t${f.count}\n`;
    if (out !== '') await opts.write(out);
  }
  return { matches: w.matches, files };
}
