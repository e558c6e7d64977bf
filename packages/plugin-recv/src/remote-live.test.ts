import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CaptureWriter } from '@logtap/capture';
import { encodePushProtobuf } from '@logtap/protocol';
import { Receiver } from '@logtap/receiver';
import type { TuiEntry } from '@logtap/tui';
import { RecentLines } from '@logtap/tui/recent';
import { LiveFeed } from './live-feed.js';
import { RemoteLiveSource } from './remote-live.js';
import { writerSink } from './sink.js';
import { tapSink } from './tap.js';

const TOKEN = 'a-live-token-of-some-length';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A receiver as `recv --live-token` runs it: capture writer, tee, live feed. */
async function liveReceiver(port = 0): Promise<Receiver> {
  const root = await mkdtemp(join(tmpdir(), 'logtap-remote-live-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const recent = new RecentLines();
  const feed = new LiveFeed(recent);
  const rx = await Receiver.start({
    sink: tapSink(writerSink(await CaptureWriter.open(join(root, 'capture'))), recent),
    queueBytes: 8 << 20,
    port,
    live: { token: TOKEN, feed: (q) => feed.answer(q) },
  });
  cleanup.push(() => rx.close());
  return rx;
}

function source(url: string, over: Partial<ConstructorParameters<typeof RemoteLiveSource>[0]> = {}) {
  const quits: number[] = [];
  const src = new RemoteLiveSource({
    url,
    token: TOKEN,
    maxDiskBytes: 1 << 30,
    label: 'test',
    onQuit: async () => {
      quits.push(1);
    },
    intervalMs: 20,
    maxBackoffMs: 100,
    timeoutMs: 1000,
    ...over,
  });
  cleanup.push(async () => src.stop());
  return { src, quits };
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const T0 = 1_767_225_600_000_000_000n;
async function push(url: string, app: string, from: number, n: number): Promise<void> {
  const body = encodePushProtobuf([
    {
      labels: { app, namespace: 'load' },
      entries: Array.from({ length: n }, (_, i) => ({
        ts: T0 + BigInt(from + i),
        line: `${app} line ${from + i} ✓`,
      })),
    },
  ]);
  const res = await fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  expect(res.status).toBe(204);
}

describe('RemoteLiveSource against a receiver with --live-token', () => {
  it('delivers counters, services and every sampled line once, in order, across polls', async () => {
    const rx = await liveReceiver();
    const { src, quits } = source(rx.url);
    src.start();
    await until('the link', () => src.link.state === 'up');
    const seen: TuiEntry[] = [];
    for (let b = 0; b < 5; b++) {
      await push(rx.url, b % 2 ? 'web' : 'api', b * 10, 10);
      await until(`batch ${b}`, () => {
        seen.push(...src.drainRecent(1000));
        return seen.length === (b + 1) * 10;
      });
    }
    expect(seen.map((e) => e.ts)).toEqual(Array.from({ length: 50 }, (_, i) => T0 + BigInt(i)));
    expect(seen[0]).toEqual({ ts: T0, labels: { app: 'api', namespace: 'load' }, msg: 'api line 0 ✓' });
    await until('the counters', () => src.stats().lines === 50);
    const s = src.stats();
    expect(s).toMatchObject({ lines: 50, dropped: 0, diskCapBytes: 1 << 30, redaction: { enabled: false } });
    expect(Object.fromEntries(s.services!)).toEqual({ api: 30, web: 20 });
    expect(s.connection).toEqual({ ok: true, text: 'live: test' });
    await src.onQuit();
    expect(quits).toEqual([1]);
  });

  it('says when the link is down, keeps the last counters, and follows a restarted receiver', async () => {
    let now = 1_000_000;
    const rx = await liveReceiver();
    const port = rx.address().port;
    const { src } = source(rx.url, { now: () => now });
    src.start();
    await push(rx.url, 'api', 0, 5);
    await until('5 lines', () => src.stats().lines === 5);
    src.drainRecent(100);
    await rx.close();
    await until('the link to go down', () => src.link.state === 'down');
    now += 12_000;
    const down = src.stats();
    expect(down.lines).toBe(5);
    expect(down.connection!.ok).toBe(false);
    expect(down.connection!.text).toMatch(
      /^DISCONNECTED 12s, reconnecting \(attempt \d+: fetch failed: ECONNREFUSED\)/,
    );

    const again = await liveReceiver(port);
    await push(again.url, 'web', 100, 3);
    await until('the link to come back', () => src.link.state === 'up');
    await until('the new receiver counters', () => src.stats().lines === 3);
    const lines = await until('its lines', () => {
      const l = src.drainRecent(100);
      return l.length > 0 && l;
    });
    expect(lines.map((e) => e.msg)).toEqual(['web line 100 ✓', 'web line 101 ✓', 'web line 102 ✓']);
    expect(Object.fromEntries(src.stats().services!)).toEqual({ web: 3 });
  });

  it('names a wrong token and a receiver without the live endpoint', async () => {
    const rx = await liveReceiver();
    const wrong = source(rx.url, { token: 'not-the-token-at-all' }).src;
    wrong.start();
    await until('a failure', () => wrong.link.state === 'connecting' && wrong.link.attempts > 0);
    expect(wrong.stats().connection).toEqual({
      ok: false,
      text: expect.stringContaining('the receiver refused the live token'),
    });

    const root = await mkdtemp(join(tmpdir(), 'logtap-remote-live-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const plain = await Receiver.start({
      sink: writerSink(await CaptureWriter.open(join(root, 'c'))),
      queueBytes: 1 << 20,
      port: 0,
    });
    cleanup.push(() => plain.close());
    const old = source(plain.url).src;
    old.start();
    await until('a failure', () => old.link.state === 'connecting' && old.link.attempts > 0);
    expect(old.stats().connection!.text).toContain('has no live endpoint');
  });

  it('treats a forward that accepts but never answers as down (poll time limit)', async () => {
    const { createServer } = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((s) => sockets.add(s)).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    cleanup.push(
      () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          silent.close(r);
        }),
    );
    const { port } = silent.address() as { port: number };
    const { src } = source(`http://127.0.0.1:${port}`, { timeoutMs: 100 });
    src.start();
    await until('a failure', () => src.link.state === 'connecting' && src.link.attempts > 0);
    expect(src.stats().connection!.text).toContain('no answer within 100 ms');
  });

  it('retries a working link once at once before calling it down (a dropped kept-alive connection)', async () => {
    const rx = await liveReceiver();
    let calls = 0;
    let failNext = 0;
    const flaky: typeof fetch = (input, init) => {
      calls++;
      if (failNext > 0) {
        failNext--;
        return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }));
      }
      return fetch(input, init);
    };
    const { src } = source(rx.url, { fetch: flaky, intervalMs: 50 });
    const states: string[] = [];
    src.start();
    await until('the link', () => src.link.state === 'up');
    const watch = setInterval(() => states.push(src.link.state), 1);
    failNext = 1;
    const before = calls;
    await until('two more polls', () => calls >= before + 3);
    expect(src.link.state).toBe('up');
    expect(states).not.toContain('down');
    failNext = 2;
    await until('the link to go down', () => src.link.state === 'down');
    clearInterval(watch);
    expect(src.stats().connection!.text).toContain('fetch failed: ECONNRESET');
    await until('the link back', () => src.link.state === 'up');
  });

  it('bounds what waits for the view', async () => {
    const rx = await liveReceiver();
    const { src } = source(rx.url, { maxQueued: 7 });
    src.start();
    await push(rx.url, 'api', 0, 20);
    await until('20 lines', () => src.stats().lines === 20);
    await new Promise((r) => setTimeout(r, 100));
    const got = src.drainRecent(5);
    expect(got.map((e) => e.msg)).toEqual([15, 16, 17, 18, 19].map((i) => `api line ${i} ✓`));
    expect(src.skipped).toBe(15);
  });
});
