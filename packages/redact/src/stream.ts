import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Finding, Redactor, RedactResult } from './redactor.js';
import { privateKeyEnd, privateKeyUnterminated } from './rules/private-key.js';

const KEY_TOKEN = '[REDACTED:private_key]';
const EMPTY: Readonly<Record<string, number>> = Object.freeze(Object.create(null));

/**
 * Redacts a text line by line with the state a single line cannot see: a PEM private key block that
 * starts on one line continues, fully redacted, until its END line. Everything else is per line.
 */
export class LineRedactor {
  readonly #redactor: Redactor;
  readonly #keys: boolean;
  #inKey = false;

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
    this.#keys = redactor.rules.includes('private_key');
  }

  /** True while inside a private key block opened on an earlier line. */
  get inPrivateKey(): boolean {
    return this.#inKey;
  }

  /** Redacts one line (without its line ending). */
  line(line: string): RedactResult {
    if (this.#inKey) {
      const end = privateKeyEnd(line);
      if (end < 0) return { text: line.length === 0 ? line : KEY_TOKEN, hits: 0, byRule: EMPTY };
      this.#inKey = false;
      const rest = this.#finish(line.slice(end));
      return { text: KEY_TOKEN + rest.text, hits: rest.hits, byRule: rest.byRule };
    }
    return this.#finish(line);
  }

  /** The findings of one line, with the same block state as {@link line} (continuation lines: none). */
  scanLine(line: string): Finding[] {
    let offset = 0;
    if (this.#inKey) {
      const end = privateKeyEnd(line);
      if (end < 0) return [];
      this.#inKey = false;
      offset = end;
    }
    const rest = offset === 0 ? line : line.slice(offset);
    const found = this.#redactor.scan(rest);
    if (this.#keys && privateKeyUnterminated(rest)) this.#inKey = true;
    return offset === 0
      ? found
      : found.map((f) => ({ rule: f.rule, start: f.start + offset, end: f.end + offset }));
  }

  #finish(text: string): RedactResult {
    const result = this.#redactor.redact(text);
    if (this.#keys && privateKeyUnterminated(text)) this.#inKey = true;
    return result;
  }
}

/** One line and the ending it had: '\n', '\r\n', or '' for a last line without one. */
export interface SplitLine {
  readonly line: string;
  readonly eol: '' | '\n' | '\r\n';
}

/**
 * Splits decoded text into lines across chunk boundaries. A partial line is kept as a list of chunks
 * and joined once its end arrives, so a long line in many chunks costs linear, not quadratic, time.
 */
export class LineSplitter {
  #parts: string[] = [];
  #length = 0;

  push(chunk: string, out: SplitLine[]): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      let line = chunk.slice(from, nl);
      if (this.#length > 0) {
        this.#parts.push(line);
        line = this.#parts.join('');
        this.#parts = [];
        this.#length = 0;
      }
      const cr = line.length > 0 && line.charCodeAt(line.length - 1) === 13;
      out.push({ line: cr ? line.slice(0, -1) : line, eol: cr ? '\r\n' : '\n' });
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.#parts.push(from === 0 ? chunk : chunk.slice(from));
      this.#length += chunk.length - from;
    }
  }

  /** Characters held back waiting for a line end. */
  get pendingLength(): number {
    return this.#length;
  }

  /** Takes the held-back partial line (at end of input, or when it grew past a bound). */
  take(): string {
    const rest = this.#parts.join('');
    this.#parts = [];
    this.#length = 0;
    return rest;
  }
}

export interface RedactStreamOptions {
  /**
   * A partial line longer than this many characters is redacted and passed on without waiting for its
   * end, bounding memory on input without newlines (a secret cut at that point may be missed).
   * Default 16 Mi characters.
   */
  maxLineLength?: number | undefined;
}

/**
 * A Transform from text (Buffers are decoded as UTF-8) to redacted UTF-8 text, line by line, keeping
 * line endings as they were. Counters of the redactor see every hit.
 */
export function createRedactStream(redactor: Redactor, opts: RedactStreamOptions = {}): Transform {
  const lines = new LineRedactor(redactor);
  const splitter = new LineSplitter();
  const decoder = new StringDecoder('utf8');
  const max = opts.maxLineLength ?? 16 * 1024 * 1024;
  const batch: SplitLine[] = [];

  function emit(stream: Transform): void {
    let out = '';
    for (const { line, eol } of batch) out += lines.line(line).text + eol;
    batch.length = 0;
    if (splitter.pendingLength > max) out += lines.line(splitter.take()).text;
    if (out.length > 0) stream.push(out, 'utf8');
  }

  return new Transform({
    decodeStrings: false,
    transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback) {
      splitter.push(typeof chunk === 'string' ? chunk : decoder.write(chunk), batch);
      emit(this);
      done();
    },
    flush(done: TransformCallback) {
      splitter.push(decoder.end(), batch);
      emit(this);
      const rest = splitter.take();
      if (rest.length > 0) this.push(lines.line(rest).text, 'utf8');
      done();
    },
  });
}

/** Redacts an (async) iterable of lines, yielding each redacted line; private key blocks span lines. */
export async function* redactLines(
  redactor: Redactor,
  source: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<string, void, undefined> {
  const lines = new LineRedactor(redactor);
  for await (const line of source) yield lines.line(line).text;
}
