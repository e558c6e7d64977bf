import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { compileRedactor } from './redactor.js';
import { createRedactStream, LineRedactor, LineSplitter, redactLines, type SplitLine } from './stream.js';

async function through(chunks: (string | Buffer)[], opts?: { maxLineLength?: number }): Promise<string> {
  const r = compileRedactor();
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks, { objectMode: false }),
    createRedactStream(r, opts),
    async (source) => {
      for await (const c of source) out.push(Buffer.from(c));
    },
  );
  return Buffer.concat(out).toString('utf8');
}

describe('createRedactStream', () => {
  it('redacts line by line and keeps line endings, including a last line without one', async () => {
    const out = await through(['a@b.io one\r\n', 'two 10.0.0.1\n', 'three c@d.io']);
    expect(out).toBe('[REDACTED:email] one\r\ntwo [REDACTED:ipv4]\nthree [REDACTED:email]');
  });

  it('finds values cut across chunk boundaries, even inside a UTF-8 character', async () => {
    const text = 'ü jane@example.com ü\n';
    const bytes = Buffer.from(text);
    // Split at every byte: the email, the newline and the two-byte ü all straddle chunks.
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(await through(chunks)).toBe('ü [REDACTED:email] ü\n');
  });

  it('redacts a private key block that spans lines, up to and including its END line', async () => {
    const out = await through([
      'loading key\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n',
      'c2VjcmV0\n-----END RSA PRIVATE KEY----- loaded from 10.0.0.1\nafter\n',
    ]);
    expect(out).toBe(
      'loading key\n[REDACTED:private_key]\n[REDACTED:private_key]\n[REDACTED:private_key]\n[REDACTED:private_key] loaded from [REDACTED:ipv4]\nafter\n',
    );
  });

  it('passes on an over-long partial line without waiting for its end', async () => {
    const r = compileRedactor();
    const stream = createRedactStream(r, { maxLineLength: 16 });
    const got: string[] = [];
    stream.on('data', (c: Buffer) => got.push(c.toString()));
    stream.write('aaaaaaaaaaaaaaaaaaaa a@b.io');
    await new Promise((done) => setImmediate(done));
    expect(got.join('')).toBe('aaaaaaaaaaaaaaaaaaaa [REDACTED:email]');
    stream.end();
  });

  it('counts hits in the redactor', async () => {
    const r = compileRedactor({ rules: ['email'] });
    await pipeline(Readable.from(['a@b.io\nc@d.io\n']), createRedactStream(r), async (s) => {
      for await (const _ of s) {
        /* drain */
      }
    });
    expect(r.counters()).toEqual({ email: 2 });
  });
});

describe('redactLines', () => {
  it('redacts an async iterable of lines', async () => {
    async function* source() {
      yield 'x a@b.io';
      yield '-----BEGIN PRIVATE KEY-----';
      yield 'MIIEvQ';
      yield '-----END PRIVATE KEY-----';
      yield 'done';
    }
    const out: string[] = [];
    for await (const l of redactLines(compileRedactor(), source())) out.push(l);
    expect(out).toEqual([
      'x [REDACTED:email]',
      '[REDACTED:private_key]',
      '[REDACTED:private_key]',
      '[REDACTED:private_key]',
      'done',
    ]);
  });
});

describe('LineRedactor', () => {
  it('reports a key block once, at its BEGIN line', () => {
    const lines = new LineRedactor(compileRedactor());
    expect(lines.scanLine('x -----BEGIN EC PRIVATE KEY-----')).toEqual([
      { rule: 'private_key', start: 2, end: 32 },
    ]);
    expect(lines.inPrivateKey).toBe(true);
    expect(lines.scanLine('MHcCAQEEI')).toEqual([]);
    expect(lines.scanLine('-----END EC PRIVATE KEY----- a@b.io')).toEqual([
      { rule: 'email', start: 29, end: 35 },
    ]);
    expect(lines.inPrivateKey).toBe(false);
  });

  it('does not track key blocks when private_key is not selected', () => {
    const lines = new LineRedactor(compileRedactor({ rules: ['email'] }));
    expect(lines.line('-----BEGIN PRIVATE KEY-----').text).toBe('-----BEGIN PRIVATE KEY-----');
    expect(lines.line('MIIEvQ').text).toBe('MIIEvQ');
  });
});

describe('LineSplitter', () => {
  it('joins a line delivered in many chunks and handles CR LF across chunks', () => {
    const s = new LineSplitter();
    const out: SplitLine[] = [];
    for (const c of ['ab', 'c\r', '\nd', 'e\n', 'f']) s.push(c, out);
    expect(out).toEqual([
      { line: 'abc', eol: '\r\n' },
      { line: 'de', eol: '\n' },
    ]);
    expect(s.pendingLength).toBe(1);
    expect(s.take()).toBe('f');
    expect(s.pendingLength).toBe(0);
  });
});
