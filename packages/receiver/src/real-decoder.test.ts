import { afterEach, describe, expect, test } from '@jest/globals';
import { encodePushProtobuf } from '@logtap/protocol';
import { Receiver } from './server.js';
import { http } from './test-helpers/http.js';
import { MemorySink } from './test-helpers/memory-sink.js';

// The receiver with its default decoder, @logtap/protocol's decodePush.

const running: Receiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close({ timeoutMs: 1000 })));
});

async function start() {
  const sink = new MemorySink(1 << 20);
  const receiver = await Receiver.start({ sink, queueBytes: sink.capacity, port: 0 });
  running.push(receiver);
  return { receiver, sink, url: receiver.url };
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
