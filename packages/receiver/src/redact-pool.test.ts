import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from '@jest/globals';
import { encodePushProtobuf } from '@logtap/protocol';
import { ReceiverOptionsError } from './errors.js';
import type { ReceiverOptions } from './options.js';
import { Receiver } from './server.js';
import { http } from './test-helpers/http.js';
import { MemorySink } from './test-helpers/memory-sink.js';
import { testRedactor } from './test-helpers/redactor.js';

// Redaction in threads (ReceiverOptions.redaction), with the real decoders and @logtap/redact.

const running: Receiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close({ timeoutMs: 2000 })));
});

async function start(overrides: Partial<ReceiverOptions> = {}) {
  const sink = (overrides.sink as MemorySink | undefined) ?? new MemorySink(1 << 20);
  const receiver = await Receiver.start({
    sink,
    queueBytes: sink.capacity,
    port: 0,
    redaction: { policy: { rules: ['email', 'secret_kv'] }, threads: 2 },
    ...overrides,
  });
  running.push(receiver);
  return { receiver, sink, url: receiver.url };
}

const PROTOBUF = { 'Content-Type': 'application/x-protobuf' };
const JSON_HEADERS = { 'Content-Type': 'application/json' };

describe('redaction in threads', () => {
  test('Loki protobuf, Loki JSON (gzip) and raw pushes are redacted before the sink sees them', async () => {
    const { url, sink, receiver } = await start();
    const proto = encodePushProtobuf([
      {
        labels: { app: 'api', owner: 'jane@example.com' },
        entries: Array.from({ length: 200 }, (_, i) => ({
          ts: 1_700_000_000_000_000_000n + BigInt(i),
          line: `user${i}@example.org logged in password=hunter${i}`,
          ...(i === 0 ? { metadata: { reporter: 'bob@example.net' } } : {}),
        })),
      },
    ]);
    expect(
      (await http(`${url}/loki/api/v1/push`, { method: 'POST', headers: PROTOBUF, body: Buffer.from(proto) }))
        .status,
    ).toBe(204);
    const json = JSON.stringify({
      streams: [{ stream: { app: 'web' }, values: [['5', 'mail x@y.io now']] }],
    });
    expect(
      (
        await http(`${url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, 'Content-Encoding': 'gzip' },
          body: gzipSync(json),
        })
      ).status,
    ).toBe(204);
    const raw = `${JSON.stringify({ ts: '7', labels: { app: 'raw' }, msg: 'token=abc123 from a@b.io' })}\n`;
    expect((await http(`${url}/logtap/raw`, { method: 'POST', body: raw })).status).toBe(204);
    await sink.flush();
    expect(sink.written).toHaveLength(202);
    const text = JSON.stringify(sink.written, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(text).not.toMatch(/example\.(org|com|net)|hunter|x@y\.io|abc123|a@b\.io/);
    expect(sink.written[0]).toEqual({
      ts: 1_700_000_000_000_000_000n,
      labels: { app: 'api', owner: '[REDACTED:email]' },
      msg: '[REDACTED:email] logged in password=[REDACTED:secret_kv]',
      meta: { reporter: '[REDACTED:email]' },
    });
    expect(sink.written[200]!.msg).toBe('mail [REDACTED:email] now');
    const stats = receiver.stats();
    expect(stats.redaction).toMatchObject({ enabled: true, rules: ['secret_kv', 'email'] });
    // 200 lines × 2, one owner label, one metadata value, the JSON line, the raw line × 2.
    expect(stats.redaction.hits).toEqual({ email: 200 + 1 + 1 + 1 + 1, secret_kv: 200 + 1 });
    expect(stats.pushesByFormat).toEqual({ 'loki-protobuf': 1, 'loki-json': 1, 'logtap-raw': 1 });
    expect(sink.encodedBatches).toBe(3);
    const metrics = (await http(`${url}/metrics`)).body;
    expect(metrics).toContain('logtap_redactions_total{rule="email"} 204');
  });

  test('bad bodies are answered as without threads (400, OTLP status bodies); partial pushes keep the rest', async () => {
    const { url, sink, receiver } = await start();
    const bad = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: PROTOBUF,
      body: Buffer.from([1, 2, 3]),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/snappy/i);
    const otlp = await http(`${url}/otlp/v1/logs`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"resourceLogs": 5}',
    });
    expect(otlp.status).toBe(400);
    expect(JSON.parse(otlp.body)).toMatchObject({ code: 3 });
    const partial = await http(`${url}/api/prom/push`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        streams: [
          { labels: '{a="1"}', entries: [{ ts: '2024-01-15T10:32:01Z', line: 'kept c@d.io' }] },
          { labels: '{a="1",a="2"}', entries: [{ ts: '2024-01-15T10:32:01Z', line: 'dup' }] },
        ],
      }),
    });
    expect(partial.status).toBe(400);
    await sink.flush();
    expect(sink.written.map((e) => e.msg)).toEqual(['kept [REDACTED:email]']);
    expect(receiver.stats()).toMatchObject({
      linesReceived: 1,
      linesInvalid: 1,
      pushesByStatus: { '400': 3 },
    });
  });

  test('a full queue drops pushes without redacting them; drop counts hold redacted labels only', async () => {
    const sink = new MemorySink(4000, false);
    const { url, receiver } = await start({ sink });
    const push = (i: number) =>
      http(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: PROTOBUF,
        body: Buffer.from(
          encodePushProtobuf([
            {
              labels: { app: 'a', owner: 'ann@example.com' },
              entries: Array.from({ length: 10 }, (_, k) => ({
                ts: BigInt(i * 100 + k + 1),
                line: `line ${k} of push ${i}`,
              })),
            },
          ]),
        ),
      });
    for (let i = 0; i < 10; i++) expect((await push(i)).status).toBe(204);
    const stats = receiver.stats();
    expect(stats.linesReceived).toBe(100);
    expect(stats.linesDropped).toBeGreaterThan(0);
    expect(stats.droppedByStream).toEqual([
      { stream: '{app="a",owner="[REDACTED:email]"}', lines: stats.linesDropped },
    ]);
    const final = await receiver.close();
    expect(final.linesWritten + final.linesDropped).toBe(100);
    expect(JSON.stringify(sink.counters)).not.toContain('ann@');
  });

  test('with a sink that does not take serialised batches the policy runs on the request thread', async () => {
    const sink = new MemorySink(1 << 20, true, { encoded: false });
    const { url } = await start({ sink });
    const body = JSON.stringify({ streams: [{ stream: { app: 'w' }, values: [['5', 'to e@f.io']] }] });
    expect(
      (await http(`${url}/loki/api/v1/push`, { method: 'POST', headers: JSON_HEADERS, body })).status,
    ).toBe(204);
    await sink.flush();
    expect(sink.written.map((e) => e.msg)).toEqual(['to [REDACTED:email]']);
  });

  test('options: one of redactor and redaction, whole threads, a valid policy', async () => {
    const sink = new MemorySink(1000);
    await expect(
      Receiver.start({
        sink,
        queueBytes: 1000,
        port: 0,
        redactor: testRedactor(),
        redaction: { policy: {} },
      }),
    ).rejects.toBeInstanceOf(ReceiverOptionsError);
    await expect(
      Receiver.start({ sink, queueBytes: 1000, port: 0, redaction: { policy: {}, threads: 0 } }),
    ).rejects.toBeInstanceOf(ReceiverOptionsError);
    await expect(
      Receiver.start({ sink, queueBytes: 1000, port: 0, redaction: { policy: { rules: ['nope'] } } }),
    ).rejects.toMatchObject({ code: 'REDACT_UNKNOWN_RULE' });
  });
});
