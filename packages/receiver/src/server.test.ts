import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from '@jest/globals';
import { ListenError, ReceiverOptionsError } from './errors.js';
import { TRUNCATED_META_KEY } from './ingest.js';
import type { ReceiverOptions } from './options.js';
import { Receiver } from './server.js';
import { decodeLokiJson } from './test-helpers/decode-json.js';
import { http, lokiJson } from './test-helpers/http.js';
import { MemorySink } from './test-helpers/memory-sink.js';
import { testRedactor } from './test-helpers/redactor.js';

const running: Receiver[] = [];

async function start(
  overrides: Partial<ReceiverOptions> = {},
): Promise<{ receiver: Receiver; sink: MemorySink; url: string }> {
  const sink = (overrides.sink as MemorySink | undefined) ?? new MemorySink(1 << 20);
  const receiver = await Receiver.start({
    sink,
    decode: decodeLokiJson,
    queueBytes: sink.capacity,
    port: 0,
    version: '1.2.3',
    ...overrides,
  });
  running.push(receiver);
  return { receiver, sink, url: receiver.url };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close({ timeoutMs: 1000 })));
});

const JSON_HEADERS = { 'Content-Type': 'application/json' };

describe('push routes', () => {
  test('a Loki JSON push is answered 204 and every line, label and timestamp reaches the sink', async () => {
    const { url, sink, receiver } = await start();
    const body = lokiJson([
      [
        { app: 'demo', pod: 'p-1' },
        [
          ['1700000000000000001', 'hello'],
          ['1700000000000000002', 'wörld ✓'],
        ],
      ],
      [{ app: 'other' }, [['1700000000123456789', '']]],
    ]);
    const res = await http(`${url}/loki/api/v1/push`, { method: 'POST', headers: JSON_HEADERS, body });
    expect(res.status).toBe(204);
    await sink.flush();
    expect(sink.written).toEqual([
      { ts: 1700000000000000001n, labels: { app: 'demo', pod: 'p-1' }, msg: 'hello' },
      { ts: 1700000000000000002n, labels: { app: 'demo', pod: 'p-1' }, msg: 'wörld ✓' },
      { ts: 1700000000123456789n, labels: { app: 'other' }, msg: '' },
    ]);
    const stats = receiver.stats();
    expect(stats.linesReceived).toBe(3);
    expect(stats.bytesReceived).toBe(5 + Buffer.byteLength('wörld ✓'));
    expect(stats.pushesByStatus).toEqual({ '204': 1 });
  });

  test('the legacy and OTLP routes go to the decoder with their path, query strings ignored', async () => {
    const paths: string[] = [];
    const { url } = await start({
      decode: (input, limits) => {
        paths.push(input.path);
        return decodeLokiJson(input, limits);
      },
    });
    const body = lokiJson([[{ a: 'b' }, [['1', 'x']]]]);
    for (const path of ['/api/prom/push', '/otlp/v1/logs?x=1', '/loki/api/v1/push']) {
      const res = await http(url + path, { method: 'POST', headers: JSON_HEADERS, body });
      expect(res.status).toBe(204);
    }
    expect(paths).toEqual(['/api/prom/push', '/otlp/v1/logs', '/loki/api/v1/push']);
  });

  test('decoder errors keep their HTTP status and message; unknown errors are 400', async () => {
    const { url, receiver } = await start();
    const bad = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('bad JSON');
    const type = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(type.status).toBe(415);
    expect(receiver.stats().linesReceived).toBe(0);
  });

  test('GET on a push route is 405, an unknown path 404', async () => {
    const { url } = await start();
    const get = await http(`${url}/loki/api/v1/push`);
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect((await http(`${url}/nope`)).status).toBe(404);
    expect((await http(`${url}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  test('bodies over --max-body are 413, by Content-Length or while streaming, and decoders get the limit', async () => {
    let seenLimit = 0;
    const { url, receiver } = await start({
      maxBodyBytes: 1000,
      decode: (input, limits) => {
        seenLimit = limits?.maxDecompressedBytes ?? 0;
        return decodeLokiJson(input, limits);
      },
    });
    const big = 'x'.repeat(2000);
    const declared = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(declared.body).toContain('--max-body');
    const chunked = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'Transfer-Encoding': 'chunked' },
      body: [Buffer.from(big.slice(0, 600)), Buffer.from(big.slice(600))],
    });
    expect(chunked.status).toBe(413);
    const ok = await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: lokiJson([[{ a: 'b' }, [['1', 'x']]]]),
    });
    expect(ok.status).toBe(204);
    expect(seenLimit).toBe(1000);
    expect(receiver.stats().pushesByStatus).toEqual({ '204': 1, '413': 2 });
  });
});

describe('auth', () => {
  test('with a token, pushes need Bearer (or Basic with the token as password); health stays open', async () => {
    const { url } = await start({ authToken: 's3cret' });
    const body = lokiJson([[{ a: 'b' }, [['1', 'x']]]]);
    const post = (auth?: string) =>
      http(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: auth === undefined ? JSON_HEADERS : { ...JSON_HEADERS, Authorization: auth },
        body,
      });
    const none = await post();
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect((await post('Bearer wrong')).status).toBe(401);
    expect((await post('Bearer s3cret-and-more')).status).toBe(401);
    expect((await post('Token s3cret')).status).toBe(401);
    expect((await post('Bearer s3cret')).status).toBe(204);
    expect((await post('bearer s3cret')).status).toBe(204);
    expect((await post(`Basic ${Buffer.from('tenant:s3cret').toString('base64')}`)).status).toBe(204);
    expect((await post(`Basic ${Buffer.from('tenant:nope').toString('base64')}`)).status).toBe(401);
    expect((await http(`${url}/healthz`)).status).toBe(200);
  });

  test('an empty token is refused as an option error', async () => {
    await expect(start({ authToken: '' })).rejects.toBeInstanceOf(ReceiverOptionsError);
  });
});

describe('queue policy and accounting', () => {
  const push = (url: string, n: number, from = 0) =>
    http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: lokiJson([
        [
          { app: 'a' },
          Array.from({ length: n }, (_, i) => [String(from + i + 1), `line ${from + i}`] as [string, string]),
        ],
      ]),
    });

  test('--on-full drop answers 204, drops whole batches and keeps received = written + dropped', async () => {
    const sink = new MemorySink(2000, false);
    const { url, receiver } = await start({ sink, queueBytes: 2000 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await push(url, 10, i * 10)).status);
    expect(statuses).toEqual([204, 204, 204, 204, 204, 204]);
    let stats = receiver.stats();
    expect(stats.linesReceived).toBe(60);
    expect(stats.linesDropped).toBeGreaterThan(0);
    expect(stats.droppedByReason['queue_full']).toBe(stats.linesDropped);
    expect(stats.droppedByStream).toEqual([{ stream: '{app="a"}', lines: stats.linesDropped }]);
    expect(stats.linesPending + stats.linesWritten + stats.linesDropped).toBe(60);
    const ready = await http(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toContain('shedding');
    const metrics = (await http(`${url}/metrics`)).body;
    expect(metrics).toContain(`logtap_lines_dropped_total{reason="queue_full"} ${stats.linesDropped}`);
    stats = await receiver.close();
    expect(stats.linesWritten + stats.linesDropped).toBe(stats.linesReceived);
    expect(sink.counters['lines_dropped.queue_full']).toBe(stats.linesDropped);
    expect(sink.audits.map((a) => a.event)).toEqual(
      expect.arrayContaining(['receiver_started', 'drop_burst', 'push_summary']),
    );
  });

  test('--on-full reject answers 429 with Retry-After and does not count the lines as received', async () => {
    const sink = new MemorySink(2000, false);
    const { url, receiver } = await start({ sink, queueBytes: 2000, onFull: 'reject', retryAfterSeconds: 3 });
    const first = await push(url, 10);
    expect(first.status).toBe(204);
    let rejected: Awaited<ReturnType<typeof push>> | undefined;
    for (let i = 1; i < 10 && rejected === undefined; i++) {
      const res = await push(url, 10, i * 10);
      if (res.status === 429) rejected = res;
    }
    expect(rejected?.headers['retry-after']).toBe('3');
    const stats = receiver.stats();
    expect(stats.linesRejected).toBeGreaterThan(0);
    expect(stats.linesDropped).toBe(0);
    expect(stats.linesReceived + stats.linesRejected).toBe(10 * stats.pushes);
    sink.drain();
    // Once drained the queue takes the client's retry.
    expect((await push(url, 10, 500)).status).toBe(204);
    const closed = await receiver.close();
    expect(closed.linesWritten).toBe(closed.linesReceived);
  });

  test('under reject, a queue already full answers 429 before decoding the body', async () => {
    const sink = new MemorySink(1000, false);
    const full = Object.assign(sink, {
      stats: () => ({ ...MemorySink.prototype.stats.call(sink), pendingBytes: 1000 }),
    });
    let decodes = 0;
    const { url, receiver } = await start({
      sink: full,
      queueBytes: 1000,
      onFull: 'reject',
      decode: (input, limits) => {
        decodes++;
        return decodeLokiJson(input, limits);
      },
    });
    const res = await push(url, 5);
    expect(res.status).toBe(429);
    expect(decodes).toBe(0);
    expect(receiver.stats()).toMatchObject({
      pushesRejected: 1,
      linesReceived: 0,
      pushesByStatus: { '429': 1 },
    });
    expect((await http(`${url}/ready`)).status).toBe(503);
  });

  test('a push bigger than the whole queue is dropped as too_large, or refused with 413 under reject', async () => {
    const sink = new MemorySink(1000, false);
    const { url, receiver } = await start({ sink, queueBytes: 1000 });
    expect((await push(url, 5)).status).toBe(204);
    expect((await push(url, 50, 5)).status).toBe(204);
    expect(receiver.stats()).toMatchObject({
      linesReceived: 55,
      linesDropped: 50,
      droppedByReason: { too_large: 50 },
    });
    const rejecting = await start({ sink: new MemorySink(1000, false), queueBytes: 1000, onFull: 'reject' });
    const res = await push(rejecting.url, 50);
    expect(res.status).toBe(413);
    expect(res.body).toContain('--buffer');
    expect(rejecting.receiver.stats()).toMatchObject({ linesReceived: 0, linesRejected: 50 });
  });

  test('lines longer than maxLineBytes are cut on a character boundary and tagged', async () => {
    const { url, sink, receiver } = await start({ maxLineBytes: 10 });
    const body = lokiJson([
      [
        { a: 'b' },
        [
          ['1', 'ééééééé'],
          ['2', 'short'],
        ],
      ],
    ]);
    expect(
      (await http(`${url}/loki/api/v1/push`, { method: 'POST', headers: JSON_HEADERS, body })).status,
    ).toBe(204);
    await sink.flush();
    expect(sink.written[0]).toEqual({
      ts: 1n,
      labels: { a: 'b' },
      msg: 'ééééé',
      meta: { [TRUNCATED_META_KEY]: '14' },
    });
    expect(sink.written[1]?.msg).toBe('short');
    expect(receiver.stats().linesTruncated).toBe(1);
  });
});

describe('redaction', () => {
  const body = JSON.stringify({
    streams: [
      {
        stream: { app: 'x', owner: 'bob@example.com' },
        values: [['1', 'mail bob@example.com secret=hunter2', { user: 'alice@example.com' }]],
      },
    ],
  });

  test.each([
    ['serialised batches', true],
    ['entries', false],
  ])(
    'messages, label values and structured metadata are redacted before the sink sees them (%s)',
    async (_kind, encoded) => {
      const { url, sink } = await start({
        redactor: testRedactor(),
        sink: new MemorySink(1 << 20, true, { encoded }),
      });
      expect(
        (await http(`${url}/loki/api/v1/push`, { method: 'POST', headers: JSON_HEADERS, body })).status,
      ).toBe(204);
      await sink.flush();
      expect(sink.written).toEqual([
        {
          ts: 1n,
          labels: { app: 'x', owner: '[REDACTED:email]' },
          msg: 'mail [REDACTED:email] [REDACTED:secret]',
          meta: { user: '[REDACTED:email]' },
        },
      ]);
      const metrics = (await http(`${url}/metrics`)).body;
      expect(metrics).toContain('logtap_redactions_total{rule="email"} 3');
      expect(metrics).toContain('logtap_redactions_total{rule="secret"} 1');
      expect(metrics).toContain('logtap_redaction_enabled 1');
      expect(sink.encodedBatches).toBe(encoded ? 1 : 0);
    },
  );

  test('redactLabels: false leaves labels and metadata alone', async () => {
    const { url, sink, receiver } = await start({ redactor: testRedactor(), redactLabels: false });
    await http(`${url}/loki/api/v1/push`, { method: 'POST', headers: JSON_HEADERS, body });
    await sink.flush();
    expect(sink.written[0]?.labels).toEqual({ app: 'x', owner: 'bob@example.com' });
    expect(sink.written[0]?.meta).toEqual({ user: 'alice@example.com' });
    expect(sink.written[0]?.msg).toBe('mail [REDACTED:email] [REDACTED:secret]');
    expect(receiver.stats().redaction).toMatchObject({ enabled: true, rules: ['email', 'secret'] });
  });
});

describe('/logtap/raw', () => {
  test('NDJSON in the capture schema, gzip or plain; a missing ts is the receive time', async () => {
    const now = 1_700_000_000_000;
    const { url, sink } = await start({ now: () => now });
    const ndjson = [
      '{"ts":"2024-01-15T10:32:01.123456789Z","labels":{"app":"web"},"msg":"one"}',
      '',
      '{"ts":"1705314721000000001","msg":"two","meta":{"k":"v"}}\r',
      '{"labels":{"app":"web"},"msg":"three"}',
    ].join('\n');
    const plain = await http(`${url}/logtap/raw`, { method: 'POST', body: ndjson });
    expect(plain.status).toBe(204);
    const gz = await http(`${url}/logtap/raw`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip' },
      body: gzipSync(ndjson),
    });
    expect(gz.status).toBe(204);
    await sink.flush();
    expect(sink.written).toHaveLength(6);
    expect(sink.written.slice(0, 3)).toEqual([
      { ts: 1705314721123456789n, labels: { app: 'web' }, msg: 'one' },
      { ts: 1705314721000000001n, labels: {}, msg: 'two', meta: { k: 'v' } },
      { ts: BigInt(now) * 1_000_000n, labels: { app: 'web' }, msg: 'three' },
    ]);
  });

  test('one bad line rejects the whole body with 400 naming the line', async () => {
    const { url, receiver } = await start();
    const res = await http(`${url}/logtap/raw`, {
      method: 'POST',
      body: '{"msg":"ok"}\n{"msg":"bad","ts":"yesterday"}\n',
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('line 2');
    expect(receiver.stats().linesReceived).toBe(0);
    const enc = await http(`${url}/logtap/raw`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'br' },
      body: 'x',
    });
    expect(enc.status).toBe(415);
  });
});

describe('health, readiness, version, metrics', () => {
  test('endpoints answer and /metrics names every documented metric', async () => {
    const { url } = await start({ redactor: testRedactor() });
    expect(JSON.parse((await http(`${url}/healthz`)).body)).toEqual({ status: 'ok' });
    for (const path of ['/ready', '/readyz']) {
      const res = await http(url + path);
      expect(res.status).toBe(200);
      expect(res.body).toBe('ready\n');
    }
    expect(JSON.parse((await http(`${url}/api/version`)).body)).toEqual({ version: '1.2.3', api: 1 });
    await http(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: lokiJson([[{ a: 'b' }, [['1', 'x']]]]),
    });
    const metrics = await http(`${url}/metrics`);
    expect(metrics.headers['content-type']).toContain('text/plain; version=0.0.4');
    for (const name of [
      'logtap_lines_received_total 1',
      'logtap_bytes_received_total 1',
      'logtap_lines_written_total',
      'logtap_lines_dropped_total{reason="queue_full"} 0',
      'logtap_queue_bytes',
      'logtap_disk_usage_bytes',
      'logtap_rotations_total',
      'logtap_evictions_total',
      'logtap_push_duration_seconds_bucket{le="+Inf"} 1',
      'logtap_push_duration_seconds_count 1',
      'logtap_redactions_total{rule="email"} 0',
      'logtap_inflight_pushes',
      'logtap_pushes_total{code="204"} 1',
    ]) {
      expect(metrics.body).toContain(name);
    }
  });
});

describe('shutdown', () => {
  test('close() lets an in-flight push finish, refuses new ones, closes the sink and is idempotent', async () => {
    const { url, sink, receiver } = await start();
    const body = lokiJson([[{ a: 'b' }, [['1', 'late']]]]);
    const { request, Agent } = await import('node:http');
    // A kept-alive connection opened before close() must see 503 for a push sent during the drain.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const keepAlivePush = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${url}/loki/api/v1/push`, { method: 'POST', agent, headers: JSON_HEADERS });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(await keepAlivePush()).toBe(204);
    // Start a push whose body arrives only after close() has begun.
    const pending = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => req.end(body.slice(5)), 150);
    });
    await new Promise((r) => setTimeout(r, 50));
    const closing = receiver.close();
    expect(receiver.state).toBe('draining');
    const during = await keepAlivePush().catch(() => 'connection closed');
    expect([503, 'connection closed']).toContain(during);
    expect(await pending).toBe(204);
    agent.destroy();
    const stats = await closing;
    expect(await receiver.close()).toBe(stats);
    expect(stats.state).toBe('closed');
    expect(stats.linesWritten).toBe(2);
    expect(sink.closed).toBe(true);
    await expect(http(`${url}/healthz`)).rejects.toThrow();
  });

  test('a port in use is a ListenError with code RECEIVER_LISTEN_FAILED', async () => {
    const { receiver } = await start();
    const err = await Receiver.start({
      sink: new MemorySink(100),
      decode: decodeLokiJson,
      queueBytes: 100,
      port: receiver.address().port,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect(err).toMatchObject({ code: 'RECEIVER_LISTEN_FAILED' });
    expect((err as Error).message).toContain('already in use');
  });
});

describe('TLS', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('serves HTTPS with a PEM certificate and key', async () => {
    dir = mkdtempSync(join(tmpdir(), 'logtap-tls-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const pem = readFileSync(cert);
    const { url } = await start({ tls: { cert: pem, key: readFileSync(key) } });
    expect(url.startsWith('https://127.0.0.1:')).toBe(true);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        `${url}/loki/api/v1/push`,
        { method: 'POST', ca: pem, headers: JSON_HEADERS },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(lokiJson([[{ a: 'b' }, [['1', 'x']]]]));
    });
    expect(status).toBe(204);
  });

  test('a key that is not PEM is a TlsConfigError', async () => {
    await expect(start({ tls: { cert: 'nope', key: 'nope' } })).rejects.toMatchObject({
      code: 'RECEIVER_TLS_INVALID',
    });
  });
});
