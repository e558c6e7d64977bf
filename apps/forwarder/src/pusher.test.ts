import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from '@jest/globals';
import { decodePush } from '@logtap/protocol';
import type { Batch } from './batcher.js';
import { silentLogger } from './logger.js';
import { ForwarderMetrics } from './metrics.js';
import { Pusher, type PusherOptions, retryAfterMs } from './pusher.js';

/** A receiver stand-in whose answers the test scripts; records every line it accepted. */
class ScriptedReceiver {
  readonly accepted: string[] = [];
  readonly statuses: number[] = [];
  readonly headers: IncomingMessage['headers'][] = [];
  script: Array<number | { status: number; headers: Record<string, string> }> = [];
  server: Server;
  constructor() {
    // A push the client aborts (drain at its deadline) rejects the body read: nothing to answer then.
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
  }
  async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.headers.push(req.headers);
    const next = this.script.shift() ?? 204;
    const { status, headers } = typeof next === 'number' ? { status: next, headers: {} } : next;
    this.statuses.push(status);
    if (status === 204) {
      const push = decodePush({
        body: Buffer.concat(chunks),
        path: req.url!,
        contentType: req.headers['content-type'],
      });
      for (const s of push.streams) for (const e of s.entries) this.accepted.push(e.line);
    }
    res.writeHead(status, headers).end(status === 204 ? undefined : 'nope');
  }
  async listen(port = 0): Promise<string> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function batch(lines: string[]): Batch {
  return {
    streams: [{ labels: { app: 'a' }, entries: lines.map((line, i) => ({ ts: BigInt(i + 1), line })) }],
    lines: lines.length,
    bytes: lines.reduce((n, l) => n + l.length, 0),
  };
}

function pusher(target: string, extra: Partial<PusherOptions> = {}) {
  const metrics = new ForwarderMetrics();
  const p = new Pusher({
    target,
    capacityBytes: 1 << 20,
    metrics,
    logger: silentLogger,
    userAgent: 'logtap-forwarder/test',
    backoff: { minMs: 5, maxMs: 40 },
    random: () => 0.5,
    ...extra,
  });
  open.push(p);
  return { p, metrics };
}

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Pusher', () => {
  test('pushes protobuf+snappy in order; retries 429, 5xx and honours Retry-After', async () => {
    const rx = new ScriptedReceiver();
    open.push(rx);
    const url = await rx.listen();
    rx.script = [503, { status: 429, headers: { 'retry-after': '0' } }, 500, 204, 204];
    const { p, metrics } = pusher(url, { authToken: 's3cret' });
    p.enqueue(batch(['a1', 'a2']));
    p.enqueue(batch(['b1']));
    await until(() => metrics.linesSent.total() === 3);
    expect(rx.accepted).toEqual(['a1', 'a2', 'b1']);
    expect(rx.statuses).toEqual([503, 429, 500, 204, 204]);
    expect(rx.headers[0]!['content-type']).toBe('application/x-protobuf');
    expect(rx.headers[0]!.authorization).toBe('Bearer s3cret');
    expect(rx.headers[0]!['user-agent']).toBe('logtap-forwarder/test');
    expect(metrics.retries.total()).toBe(3);
    expect(metrics.linesSent.total()).toBe(3);
    expect(metrics.pushes.get('503')).toBe(1);
    expect(metrics.bufferBytes.get()).toBe(0);
  });

  test('a 4xx is not retried: the batch is dropped and counted as rejected', async () => {
    const rx = new ScriptedReceiver();
    open.push(rx);
    const url = await rx.listen();
    rx.script = [400, 204];
    const { p, metrics } = pusher(url);
    p.enqueue(batch(['bad']));
    p.enqueue(batch(['good']));
    await until(() => rx.accepted.length === 1);
    expect(rx.accepted).toEqual(['good']);
    expect(metrics.drops.get('rejected')).toBe(1);
    expect(metrics.droppedLines.get('rejected')).toBe(1);
  });

  test('network errors are retried until the receiver is back; the buffer drops the oldest beyond its bound', async () => {
    // Reserve a port, then close it: pushes fail with ECONNREFUSED until a receiver listens there.
    const probe = new ScriptedReceiver();
    const url = await probe.listen();
    await probe.close();
    const { p, metrics } = pusher(url, { capacityBytes: 3 * 2100 });
    // Incompressible lines, so that each encoded batch is ~2 KB.
    for (let i = 0; i < 10; i++) p.enqueue(batch([`${i}:${randomBytes(1500).toString('base64')}`]));
    expect(p.bufferedBatches).toBe(3);
    expect(p.bufferedBytes).toBeLessThanOrEqual(3 * 2100);
    await until(() => metrics.pushes.get('network') >= 2);
    const rx = new ScriptedReceiver();
    open.push(rx);
    await rx.listen(Number(new URL(url).port));
    await until(() => p.bufferedBatches === 0);
    // What arrived is the newest batches, in order; what did not is exactly what was counted as dropped.
    const ids = rx.accepted.map((l) => Number(l.split(':')[0]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.at(-1)).toBe(9);
    expect(ids.length + metrics.droppedLines.get('buffer_full')).toBe(10);
    expect(metrics.drops.get('buffer_full')).toBe(10 - ids.length);
  });

  test('drain: pushes what is queued, and at the deadline drops and counts the rest', async () => {
    const rx = new ScriptedReceiver();
    open.push(rx);
    const url = await rx.listen();
    const { p } = pusher(url);
    p.enqueue(batch(['q1']));
    p.enqueue(batch(['q2']));
    expect(await p.drain(5000)).toBe(0);
    expect(rx.accepted).toEqual(['q1', 'q2']);

    rx.script = Array(1000).fill(503);
    const second = pusher(url);
    second.p.enqueue(batch(['never']));
    second.p.enqueue(batch(['never either']));
    const t0 = Date.now();
    await second.p.drain(150);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(second.metrics.droppedLines.get('shutdown')).toBe(2);
  });

  test('backpressure: a healthy but slow receiver pauses readers; a failing one does not', async () => {
    const rx = new ScriptedReceiver();
    open.push(rx);
    const url = await rx.listen();
    const slow = rx.handle.bind(rx);
    rx.handle = async (req, res) => {
      await new Promise((r) => setTimeout(r, 30));
      await slow(req, res);
    };
    const { p, metrics } = pusher(url, { capacityBytes: 4 * 2100 });
    expect(p.waitForRoom()).toBeUndefined();
    for (let i = 0; i < 3; i++) p.enqueue(batch([`${i}:${randomBytes(1500).toString('base64')}`]));
    const wait = p.waitForRoom();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(p.bufferedBytes).toBeLessThanOrEqual(2100);
    await until(() => rx.accepted.length === 3);

    rx.script = Array(1000).fill(503);
    for (let i = 0; i < 3; i++) p.enqueue(batch([`${i}:${randomBytes(1500).toString('base64')}`]));
    await until(() => metrics.retries.total() > 0);
    expect(p.waitForRoom()).toBeUndefined(); // failing: read on, the buffer drops the oldest instead
  });

  test('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });
});
