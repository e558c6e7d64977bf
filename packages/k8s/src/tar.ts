import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';

/** What {@link TarExtractor} wrote. */
export interface ExtractResult {
  files: string[];
  bytes: number;
}

const BLOCK = 512;

/**
 * A streaming extractor for the tar files `tar cf - -C DIR .` writes (ustar and GNU formats, GNU long
 * names, pax `path`), for copying a capture directory out of a pod. Deliberately narrow: regular files
 * and directories only (links, devices and anything else are skipped), every path must stay inside the
 * target directory (no absolute paths, no `..`), files are created 0600 and directories 0700, as
 * everything logtap writes.
 */
export class TarExtractor extends Writable {
  readonly result: ExtractResult = { files: [], bytes: 0 };
  readonly skipped: string[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #state: 'header' | 'data' | 'padding' | 'meta' | 'end' = 'header';
  #left = 0;
  #pad = 0;
  #file: WriteStream | undefined;
  #metaKind = '';
  #meta: Buffer[] = [];
  #longName: string | undefined;
  #paxPath: string | undefined;
  readonly #root: string;

  constructor(dir: string) {
    super();
    this.#root = path.resolve(dir);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    this.#drain().then(
      () => done(),
      (err: Error) => done(err),
    );
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.#state === 'data' || this.#state === 'meta' || (this.#state === 'padding' && this.#pad > 0)) {
      done(new Error('the tar stream ended in the middle of a file'));
      return;
    }
    done();
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#state === 'end') {
        this.#buf = Buffer.alloc(0);
        return;
      }
      if (this.#state === 'header') {
        if (this.#buf.length < BLOCK) return;
        const h = this.#buf.subarray(0, BLOCK);
        this.#buf = this.#buf.subarray(BLOCK);
        await this.#header(h);
        continue;
      }
      if (this.#state === 'data' || this.#state === 'meta') {
        if (this.#left > 0 && this.#buf.length === 0) return;
        const n = Math.min(this.#left, this.#buf.length);
        const part = this.#buf.subarray(0, n);
        this.#buf = this.#buf.subarray(n);
        this.#left -= n;
        if (this.#state === 'meta') this.#meta.push(Buffer.from(part));
        else if (this.#file && n > 0) {
          this.result.bytes += n;
          if (!this.#file.write(part)) await new Promise<void>((r) => this.#file!.once('drain', () => r()));
        }
        if (this.#left === 0) {
          if (this.#state === 'meta') this.#endMeta();
          else await this.#closeFile();
          this.#state = 'padding';
        }
        continue;
      }
      // padding to the next 512-byte block
      const n = Math.min(this.#pad, this.#buf.length);
      this.#buf = this.#buf.subarray(n);
      this.#pad -= n;
      if (this.#pad > 0) return;
      this.#state = 'header';
    }
  }

  async #header(h: Buffer): Promise<void> {
    if (h.every((b) => b === 0)) {
      this.#state = 'end'; // two zero blocks end the archive; one is enough to stop
      return;
    }
    if (!checksumOk(h)) throw new Error('corrupt tar header (bad checksum)');
    const size = octal(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] ?? 0);
    this.#left = size;
    this.#pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'L' || type === 'x' || type === 'g') {
      this.#metaKind = type;
      this.#meta = [];
      this.#state = size > 0 ? 'meta' : 'padding';
      if (size === 0) this.#endMeta();
      return;
    }
    let name = this.#paxPath ?? this.#longName ?? headerName(h);
    this.#paxPath = undefined;
    this.#longName = undefined;
    name = name.replace(/^\.\/+/, '').replace(/\/+$/, '');
    const target = path.resolve(this.#root, name);
    const inside = target === this.#root || target.startsWith(this.#root + path.sep);
    this.#state = size > 0 ? 'data' : 'padding';
    if (!inside || path.isAbsolute(name) || name.split('/').includes('..')) {
      this.skipped.push(name);
      return;
    }
    if (type === '5') {
      await mkdir(target, { recursive: true, mode: 0o700 });
      return;
    }
    if (type !== '0' && type !== '\0' && type !== '7') {
      this.skipped.push(name);
      return;
    }
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    this.#file = createWriteStream(target, { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      this.#file!.once('open', () => resolve());
      this.#file!.once('error', reject);
    });
    this.result.files.push(name);
    if (size === 0) await this.#closeFile();
  }

  #endMeta(): void {
    const text = Buffer.concat(this.#meta).toString('utf8');
    if (this.#metaKind === 'L') this.#longName = text.replace(/\0+$/, '');
    else if (this.#metaKind === 'x') {
      // pax records: "<len> key=value\n"
      for (const rec of text.split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) this.#paxPath = m[1];
      }
    }
    this.#meta = [];
  }

  async #closeFile(): Promise<void> {
    const f = this.#file;
    this.#file = undefined;
    if (f)
      await new Promise<void>((resolve, reject) =>
        f.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
  }
}

function headerName(h: Buffer): string {
  const name = cstr(h.subarray(0, 100));
  const magic = cstr(h.subarray(257, 263));
  const prefix = magic.startsWith('ustar') ? cstr(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cstr(b: Buffer): string {
  const end = b.indexOf(0);
  return b.toString('utf8', 0, end < 0 ? b.length : end);
}

function octal(b: Buffer): number {
  // GNU base-256 for sizes over 8 GiB: the high bit of the first byte is set.
  if ((b[0]! & 0x80) !== 0) {
    let v = 0;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = cstr(b).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h.subarray(148, 156));
}
