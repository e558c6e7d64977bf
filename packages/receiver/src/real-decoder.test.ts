import { afterEach, describe, expect, test } from '@jest/globals';
import { encodePushProtobuf } from '@logtap/protocol';
import snappy from 'snappy';
import { TRUNCATED_META_KEY } from './ingest.js';
import { Receiver } from './server.js';
import { http } from './test-helpers/http.js';
import { MemorySink } from './test-helpers/memory-sink.js';

// The receiver with its default decoder, @logtap/protocol's decodePush.

const running: Receiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close({ timeoutMs: 1000 })));
});

async function start(opts: { sink?: MemorySink; maxLineBytes?: number } = {}) {
  const sink = opts.sink ?? new MemorySink(1 << 20);
  const receiver = await Receiver.start({
    sink,
    queueBytes: sink.capacity,
    port: 0,
    ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }),
  });
  running.push(receiver);
  return { receiver, sink, url: receiver.url };
}

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return Buffer.from(out);
}
/** A length-delimited protobuf field. */
const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);

/** A Loki protobuf push (snappy) of raw entries: lines given as bytes, so they may be invalid UTF-8. */
function rawPush(streams: Array<{ labels: string; entries: Array<[number, number, Buffer]> }>): Buffer {
  const parts = streams.map((s) =>
    field(
      0x0a,
      Buffer.concat([
        field(0x0a, Buffer.from(s.labels)),
        ...s.entries.map(([sec, nsec, line]) =>
          field(
            0x12,
            Buffer.concat([
              field(
                0x0a,
                Buffer.concat([Buffer.from([0x08]), varint(sec), Buffer.from([0x10]), varint(nsec)]),
              ),
              field(0x12, line),
            ]),
          ),
        ),
      ]),
    ),
  );
  return snappy.compressSync(Buffer.concat(parts));
}

describe('with the protocol decoder', () => {
  test('Loki protobuf + snappy: the reference test vector ({foo="bar"} fizzbuzz, trace_id=abc)', async () => {
    const { url, sink, receiver } = await start();
    const body = Buffer.from(
      '34cc0a320a0b7b666f6f3d22626172227d12230a0608be9183ed05120866697a7a62757a7a1a0f0a0874726163655f69641203616263',
      'hex',
    );
    const res = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body,
    });
    expect(res.status).toBe(204);
    await sink.flush();
    expect(sink.written).toEqual([
      { ts: 1570818238000000000n, labels: { foo: 'bar' }, msg: 'fizzbuzz', meta: { trace_id: 'abc' } },
    ]);
    expect(receiver.stats().pushesByFormat).toEqual({ 'loki-protobuf': 1 });
  });

  test('encodePushProtobuf round trip with many streams', async () => {
    const { url, sink } = await start();
    const streams = Array.from({ length: 5 }, (_, s) => ({
      labels: { app: `a${s}`, pod: `p-${s}` },
      entries: Array.from({ length: 20 }, (_, i) => ({
        ts: BigInt(1e18) + BigInt(s * 100 + i),
        line: `s${s} l${i} ✓`,
      })),
    }));
    const res = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: Buffer.from(encodePushProtobuf(streams)),
    });
    expect(res.status).toBe(204);
    await sink.flush();
    expect(sink.written).toEqual(
      streams.flatMap((s) => s.entries.map((e) => ({ ts: e.ts, labels: s.labels, msg: e.line }))),
    );
  });

  test('Loki protobuf lines go from the wire bytes to the data lines: escapes, UTF-8, invalid bytes, long lines', async () => {
    const { url, sink, receiver } = await start({ maxLineBytes: 40 });
    const lines = [
      Buffer.from('plain ascii'),
      Buffer.from('quote " backslash \\ tab\t nl\n \u0001 del\u007f'),
      Buffer.from('é😀✓'),
      Buffer.from([0x61, 0xff, 0x62, 0xc3]),
      Buffer.from('é'.repeat(21) + 'x'), // 43 bytes: cut to 40 (20 é), never inside a character
    ];
    const res = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: PROTOBUF,
      body: rawPush([
        { labels: '{app="x", pod="p\\"q"}', entries: lines.map((l, i) => [1_700_000_000 + i, i, l]) },
      ]),
    });
    expect(res.status).toBe(204);
    await sink.flush();
    expect(sink.encodedBatches).toBe(1);
    expect(sink.written.map((e) => e.msg)).toEqual([
      ...lines.slice(0, 4).map((l) => l.toString('utf8')),
      'é'.repeat(20),
    ]);
    expect(sink.written[4]!.meta).toEqual({ [TRUNCATED_META_KEY]: '43' });
    expect(sink.written.map((e) => e.ts)).toEqual(
      lines.map((_, i) => BigInt(1_700_000_000 + i) * 1_000_000_000n + BigInt(i)),
    );
    expect(sink.written[0]!.labels).toEqual({ app: 'x', pod: 'p"q' });
    expect(receiver.stats()).toMatchObject({
      linesReceived: 5,
      linesTruncated: 1,
      bytesReceived: lines.reduce((n, l) => n + l.length, 0),
    });
  });

  test('Loki protobuf into a full queue: dropped without being serialised, counted per stream', async () => {
    const sink = new MemorySink(3000, false);
    const { url, receiver } = await start({ sink });
    const push = (from: number) =>
      http(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: PROTOBUF,
        body: rawPush([
          {
            labels: '{app="a"}',
            entries: Array.from(
              { length: 10 },
              (_, i) => [from + i, 0, Buffer.from(`line ${from + i}`)] as [number, number, Buffer],
            ),
          },
          { labels: '{app="b"}', entries: [[from, 0, Buffer.from('b')]] },
        ]),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await push(i * 100)).status);
    expect(statuses.every((st) => st === 204)).toBe(true);
    const stats = receiver.stats();
    expect(stats.linesReceived).toBe(88);
    expect(stats.linesDropped).toBeGreaterThan(0);
    const dropped = stats.linesDropped;
    expect(stats.droppedByStream).toEqual([
      { stream: '{app="a"}', lines: (dropped / 11) * 10 },
      { stream: '{app="b"}', lines: dropped / 11 },
    ]);
    expect(sink.encodedBatches).toBe((88 - dropped) / 11);
    const final = await receiver.close();
    expect(final.linesWritten + final.linesDropped).toBe(88);
  });

  test('a sink without appendEncoded gets entries (and the same lines)', async () => {
    const sink = new MemorySink(1 << 20, true, { encoded: false });
    const { url } = await start({ sink });
    const res = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: PROTOBUF,
      body: rawPush([{ labels: '{app="x"}', entries: [[1, 2, Buffer.from('hello ✓')]] }]),
    });
    expect(res.status).toBe(204);
    await sink.flush();
    expect(sink.encodedBatches).toBe(0);
    expect(sink.written).toEqual([{ ts: 1_000_000_002n, labels: { app: 'x' }, msg: 'hello ✓' }]);
  });

  test('a partly invalid push keeps the valid streams and answers 400 with grouped reasons', async () => {
    const { url, sink, receiver } = await start();
    const body = JSON.stringify({
      streams: [
        { labels: '{a="1"}', entries: [{ ts: '2024-01-15T10:32:01.000000001Z', line: 'kept' }] },
        { labels: '{a="1",a="2"}', entries: [{ ts: '2024-01-15T10:32:01Z', line: 'dup' }] },
      ],
    });
    const res = await http(`${url}/api/prom/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/^1 errors like: .*duplicate/);
    await sink.flush();
    expect(sink.written.map((e) => e.msg)).toEqual(['kept']);
    expect(receiver.stats()).toMatchObject({ linesReceived: 1, linesInvalid: 1 });
  });

  test('OTLP errors come back as google.rpc.Status in the request encoding', async () => {
    const { url } = await start();
    const json = await http(`${url}/otlp/v1/logs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"resourceLogs": 5}',
    });
    expect(json.status).toBe(400);
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body)).toMatchObject({ code: 3, message: expect.any(String) });
    const proto = await http(`${url}/otlp/v1/logs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: Buffer.from([0xff, 0xff, 0xff]),
    });
    expect(proto.status).toBe(400);
    expect(proto.headers['content-type']).toBe('application/x-protobuf');
  });

  test('a snappy bomb and a missing Content-Type are refused without harm', async () => {
    const { url, receiver } = await start();
    // Snappy block header declaring ~4 GiB of output.
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41]);
    const res = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    const noType = await http(`${url}/loki/api/v1/push`, { method: 'POST', body: '{}' });
    expect(noType.status).toBe(400);
    expect(noType.body).toContain('Content-Type');
    expect(receiver.stats().linesReceived).toBe(0);
    expect((await http(`${url}/healthz`)).status).toBe(200);
  });
});
