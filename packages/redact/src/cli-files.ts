import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Redactor } from './redactor.js';
import { LineRedactor, LineSplitter, type SplitLine } from './stream.js';

// The command's file handling: reading lines, checking, redacting to a stream or in place.

/** One finding as printed: 1-based line and column (code points), never the matched value. */
export interface FileFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
}

/** Writes with backpressure; rejects when the stream errors (EPIPE when the reader went away). */
export async function write(stream: Writable, text: string): Promise<void> {
  if (text.length === 0) return;
  if (!stream.write(text, 'utf8')) await once(stream, 'drain');
}

/** Column of `offset` in `line`, 1-based, counting code points (an emoji is one column). */
function columnOf(line: string, offset: number): number {
  let col = 1;
  for (let i = 0; i < offset; i++) {
    const c = line.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) i++;
    col++;
  }
  return col;
}

/** Reads `source` as UTF-8 lines; calls `onLine` for each. Returns false when the input looks binary. */
async function forEachLine(
  source: Readable,
  onLine: (line: SplitLine) => Promise<void> | void,
): Promise<boolean> {
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter();
  const batch: SplitLine[] = [];
  let first = true;
  for await (const chunk of source) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // A NUL byte in the first chunk means binary data, which redaction would corrupt.
    if (first && buf.subarray(0, 8192).includes(0)) {
      source.destroy();
      return false;
    }
    first = false;
    splitter.push(decoder.write(buf), batch);
    for (const l of batch) await onLine(l);
    batch.length = 0;
  }
  splitter.push(decoder.end(), batch);
  for (const l of batch) await onLine(l);
  const rest = splitter.take();
  if (rest.length > 0) await onLine({ line: rest, eol: '' });
  return true;
}

export interface Tally {
  files: number;
  lines: number;
  hits: number;
  byRule: Record<string, number>;
  skipped: string[];
}

function count(tally: Tally, rule: string, n = 1): void {
  tally.hits += n;
  tally.byRule[rule] = (tally.byRule[rule] ?? 0) + n;
}

export async function checkSource(
  name: string,
  source: Readable,
  redactor: Redactor,
  tally: Tally,
  findings: FileFinding[],
  onFinding: (f: FileFinding) => Promise<void>,
): Promise<boolean> {
  const lines = new LineRedactor(redactor);
  let n = 0;
  return forEachLine(source, async ({ line }) => {
    n++;
    tally.lines++;
    for (const f of lines.scanLine(line)) {
      const finding = { file: name, line: n, column: columnOf(line, f.start), rule: f.rule };
      count(tally, f.rule);
      findings.push(finding);
      await onFinding(finding);
    }
  });
}

export async function redactSource(
  source: Readable,
  redactor: Redactor,
  tally: Tally,
  out: Writable,
): Promise<boolean> {
  const lines = new LineRedactor(redactor);
  let buffer = '';
  const ok = await forEachLine(source, async ({ line, eol }) => {
    tally.lines++;
    const r = lines.line(line);
    for (const rule of Object.keys(r.byRule)) count(tally, rule, r.byRule[rule]);
    buffer += r.text + eol;
    // Batch small lines into larger writes.
    if (buffer.length >= 65536) {
      await write(out, buffer);
      buffer = '';
    }
  });
  await write(out, buffer);
  return ok;
}

export async function redactInPlace(
  file: string,
  path: string,
  redactor: Redactor,
  tally: Tally,
): Promise<boolean> {
  const info = await stat(path);
  const tmp = join(dirname(path), `.${basename(path)}.logtap-redact-${randomBytes(4).toString('hex')}`);
  const out = createWriteStream(tmp, { mode: 0o600 });
  const before = tally.hits;
  let ok = false;
  try {
    ok = await redactSource(createReadStream(path), redactor, tally, out);
    await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
    if (ok && tally.hits > before) {
      await chmod(tmp, info.mode & 0o7777);
      await rename(tmp, path);
      return true;
    }
  } finally {
    if (!out.closed) out.destroy();
    // Nothing to change (or binary): keep the original untouched and drop the copy.
    await unlink(tmp).catch(() => undefined);
  }
  if (!ok) tally.skipped.push(file);
  return ok;
}
