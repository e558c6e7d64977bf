import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CaptureWriter, readEntries } from '@logtap/capture';
import { encodePushJson, encodePushProtobuf } from '@logtap/protocol';
import { Receiver, type Sink } from '@logtap/receiver';
import { RecentLines, toLiveStats } from './live.js';
import { writerSink } from './sink.js';
import { tapSink } from './tap.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** The capture writer's sink, refusing the object path: the receiver must stay on serialised batches. */
async function encodedOnlySink(): Promise<{ sink: Sink; dir: string; calls: { encoded: number } }> {
  const dir = join(await mkdtemp(join(tmpdir(), 'logtap-live-')), 'capture');
  dirs.push(join(dir, '..'));
  const inner = writerSink(await CaptureWriter.open(dir));
  const calls = { encoded: 0 };
  const sink: Sink = {
    ...inner,
    append: () => {
      throw new Error('the object path was used');
    },
    appendEncoded: (batch) => {
      calls.encoded++;
      return inner.appendEncoded!(batch);
    },
  };
  return { sink, dir, calls };
}

async function push(url: string, body: Uint8Array, contentType: string): Promise<number> {
  const res = await fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

const NOW = BigInt(Date.now()) * 1_000_000n;

describe('tapSink', () => {
  it('keeps the receiver on serialised batches and shows what was written, with the view attached', async () => {
    const { sink, dir, calls } = await encodedOnlySink();
    const recent = new RecentLines();
    const tapped = tapSink(sink, recent);
    expect(tapped.appendEncoded).toBeDefined();
    const rx = await Receiver.start({ sink: tapped, queueBytes: 8 << 20, port: 0 });
    const streams = [
      {
        labels: { app: 'api', pod: 'api-0', namespace: 'load' },
        entries: Array.from({ length: 300 }, (_, i) => ({
          ts: NOW + BigInt(i),
          line: `GET /items/${i} 200 — ✓`,
        })),
      },
      {
        labels: { container: 'db', pod: 'db-0' },
        entries: [{ ts: NOW + 1000n, line: 'ERROR "quoted"\ttab' }],
      },
    ];
    expect(await push(rx.url, encodePushProtobuf(streams), 'application/x-protobuf')).toBe(204);
    expect(await push(rx.url, Buffer.from(encodePushJson(streams.slice(1))), 'application/json')).toBe(204);
    const final = await rx.close();
    expect(calls.encoded).toBeGreaterThanOrEqual(2);
    expect(final.linesWritten).toBe(302);
    expect(Object.fromEntries(recent.services())).toEqual({ api: 300, db: 2 });
    const shown = recent.drainRecent(2000);
    // The newest 256 lines of the protobuf push, then the JSON push.
    expect(shown).toHaveLength(257);
    expect(shown[0]!.msg).toBe('GET /items/45 200 — ✓');
    expect(shown.at(-2)!).toEqual({
      ts: NOW + 1000n,
      labels: { container: 'db', pod: 'db-0' },
      msg: 'ERROR "quoted"\ttab',
    });
    expect(shown.at(-1)!.msg).toBe('ERROR "quoted"\ttab');
    // Exactly the lines of the capture.
    const written: string[] = [];
    for await (const e of readEntries(dir)) written.push(e.msg);
    expect(written.slice(45, 301)).toEqual(shown.slice(0, 256).map((e) => e.msg));
    const stats = toLiveStats(final, 1 << 30, recent);
    expect(stats.lines).toBe(302);
    expect(stats.services?.get('api')).toBe(300);
  });

  it('shows redacted lines from the redaction threads', async () => {
    const { sink, calls } = await encodedOnlySink();
    const recent = new RecentLines();
    const rx = await Receiver.start({
      sink: tapSink(sink, recent),
      queueBytes: 8 << 20,
      port: 0,
      redaction: { policy: { rules: ['email'] }, threads: 1 },
    });
    const streams = [
      {
        labels: { app: 'mail', user: 'jane@example.org' },
        entries: [
          { ts: NOW, line: 'sent to jane@example.org' },
          { ts: NOW + 1n, line: 'nothing secret' },
        ],
      },
    ];
    expect(await push(rx.url, encodePushProtobuf(streams), 'application/x-protobuf')).toBe(204);
    const final = await rx.close();
    expect(calls.encoded).toBe(1);
    expect(final.redaction.hits.email).toBeGreaterThanOrEqual(2);
    const shown = recent.drainRecent(10);
    expect(shown.map((e) => e.msg)).toEqual(['sent to [REDACTED:email]', 'nothing secret']);
    expect(shown[0]!.labels).toEqual({ app: 'mail', user: '[REDACTED:email]' });
    expect(JSON.stringify(shown, (_, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('jane@');
  });

  it('counts nothing for a batch the sink refuses (queue full)', async () => {
    const { sink } = await encodedOnlySink();
    const refusing: Sink = { ...sink, appendEncoded: () => false };
    const recent = new RecentLines();
    const rx = await Receiver.start({ sink: tapSink(refusing, recent), queueBytes: 8 << 20, port: 0 });
    const streams = [{ labels: { app: 'a' }, entries: [{ ts: NOW, line: 'x' }] }];
    expect(await push(rx.url, encodePushProtobuf(streams), 'application/x-protobuf')).toBe(204);
    const final = await rx.close();
    expect(final.linesDropped).toBe(1);
    expect(recent.services().size).toBe(0);
    expect(recent.drainRecent(10)).toEqual([]);
  });

  it('without appendEncoded on the inner sink, tees entries', () => {
    const seen: unknown[] = [];
    const inner: Sink = {
      append: (entries) => {
        seen.push(...entries);
        return true;
      },
      stats: () => ({
        linesWritten: 0,
        bytesWritten: 0,
        pendingBytes: 0,
        diskBytes: 0,
        rotations: 0,
        evictions: 0,
      }),
      flush: async () => {},
      close: async () => {},
    };
    const recent = new RecentLines();
    const tapped = tapSink(inner, recent);
    expect(tapped.appendEncoded).toBeUndefined();
    expect(tapped.append([{ ts: 1n, labels: { app: 'a' }, msg: 'm' }])).toBe(true);
    expect(seen).toHaveLength(1);
    expect(recent.drainRecent(5).map((e) => e.msg)).toEqual(['m']);
  });
});
