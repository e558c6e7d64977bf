import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CaptureNotFoundError, InvalidRegexError, InvalidTimeError } from '@logtap/capture';
import { removeDir, tempDir } from '../test/tools-fixtures.js';
import {
  fileOutput,
  filterInput,
  formatBytes,
  interruptible,
  ProgressBar,
  streamOutput,
  translateError,
} from './command-kit.js';
import { InvalidArgumentError, OutputExistsError } from './errors.js';

let root: string;
beforeAll(() => {
  root = tempDir();
});
afterAll(() => removeDir(root));

describe('fileOutput', () => {
  it('writes under a temporary name (0600) and renames on commit', async () => {
    const file = path.join(root, 'a.csv');
    const out = await fileOutput(file, false, 4242);
    await out.write('hello ');
    await out.write(Buffer.from('world'));
    expect(existsSync(file)).toBe(false);
    const partial = path.join(root, 'a.csv.partial-4242');
    expect(statSync(partial).mode & 0o777).toBe(0o600);
    await out.commit();
    expect(readFileSync(file, 'utf8')).toBe('hello world');
    expect(existsSync(partial)).toBe(false);
  });

  it('refuses an existing file without force, and abort leaves nothing behind', async () => {
    const file = path.join(root, 'b.csv');
    writeFileSync(file, 'keep');
    await expect(fileOutput(file, false, 1)).rejects.toThrow(OutputExistsError);
    const out = await fileOutput(file, true, 1);
    await out.write('partial');
    await out.abort();
    expect(readFileSync(file, 'utf8')).toBe('keep');
    expect(readdirSync(root).filter((n) => n.includes('partial'))).toEqual([]);
  });
});

describe('streamOutput', () => {
  it('waits for drain (backpressure)', async () => {
    const chunks: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        release = cb;
      },
    });
    const out = streamOutput(slow);
    const pending = out.write('0123456789');
    let resolved = false;
    void pending.then(() => {
      resolved = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    release?.();
    await pending;
    expect(chunks).toEqual(['0123456789']);
  });

  it('turns EPIPE into a quiet close and tells the caller', async () => {
    const s = new PassThrough();
    let closed = 0;
    const out = streamOutput(s, '-', () => closed++);
    s.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(out.closed).toBe(true);
    expect(closed).toBe(1);
    await out.write('ignored');
  });
});

describe('ProgressBar', () => {
  it('redraws at most every 200 ms with percent, lines, rate and ETA', () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    });
    let now = 0;
    const bar = new ProgressBar(stream, 100_000_000, () => now);
    now = 1000;
    bar.update(25_000_000, 1234);
    now = 1100;
    bar.update(30_000_000, 1500); // too soon: not drawn
    expect(text).toContain(' 25%');
    expect(text).toContain('1,234 lines');
    expect(text).toContain('25.0 MB/s');
    expect(text).toContain('ETA 3s');
    expect(text).not.toContain('1,500');
    bar.done();
    expect(text.endsWith('\r\x1b[K')).toBe(true);
  });
});

describe('translateError', () => {
  it('maps known errors to exit codes', () => {
    expect(translateError(new CaptureNotFoundError('/x'))?.exit).toBe(4);
    expect(translateError(new InvalidTimeError('x', 'bad'))?.exit).toBe(2);
    expect(translateError(new InvalidRegexError('(', 'bad'))?.exit).toBe(2);
    expect(translateError(new OutputExistsError('/o'))?.exit).toBe(3);
    expect(translateError(new InvalidArgumentError('swap', ['logtap grep a b']))).toEqual({
      message: 'swap',
      exit: 2,
      suggestions: ['logtap grep a b'],
    });
    expect(translateError(new Error('boom'))).toBeUndefined();
  });

  it('formats byte sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10.0 GiB');
  });
});

describe('filterInput and interruptible', () => {
  it('maps the filter flags', () => {
    expect(
      filterInput(
        { from: '-5m', label: ['app=web'], 'ignore-case': true, 'fixed-strings': false },
        'a.b',
        7n,
      ),
    ).toEqual({
      from: '-5m',
      to: undefined,
      labels: ['app=web'],
      grep: 'a.b',
      ignoreCase: true,
      fixedStrings: false,
      nowNs: 7n,
    });
  });

  it('aborts on SIGINT or SIGTERM until disposed', () => {
    const proc = new EventEmitter();
    const a = interruptible(proc);
    proc.emit('SIGTERM');
    expect(a.abort.signal.aborted).toBe(true);
    expect((a.abort.signal.reason as Error).message).toBe('interrupted');
    a.dispose();
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    const b = interruptible(proc);
    b.dispose();
    proc.emit('SIGINT');
    expect(b.abort.signal.aborted).toBe(false);
  });
});
