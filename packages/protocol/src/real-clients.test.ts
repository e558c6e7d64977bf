/**
 * Interop with real client libraries: each test runs the client against a local capture server, then
 * decodes the captured raw request and checks it gives back exactly the lines, labels and timestamps
 * the client was given.
 */
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import pino from 'pino';
import pinoLoki from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { type DecodedPush, decodePush, LabelParseError, type PushEntry } from './index.js';
import { CaptureServer, pushInput } from './test-helpers/real-clients.js';

let server: CaptureServer;
beforeEach(async () => {
  server = await CaptureServer.start();
});
afterEach(async () => {
  await server.close();
});

const BASE_MS = 1_763_000_000_000;
const LINES = [
  'GET /api/items 200 12ms',
  'user "alice" logged in ✓',
  'timeout after 3000ms: upstream=db-0 😀',
  'x'.repeat(500),
];

/** All entries of all captured requests, decoded, per canonical label set. */
function decodeAll(): { pushes: DecodedPush[]; byLabels: Map<string, PushEntry[]> } {
  const pushes = server.requests.map((r) => decodePush(pushInput(r)));
  const byLabels = new Map<string, PushEntry[]>();
  for (const p of pushes) {
    for (const s of p.streams) {
      const key = JSON.stringify({ ...s.labels });
      byLabels.set(key, [...(byLabels.get(key) ?? []), ...s.entries]);
    }
  }
  return { pushes, byLabels };
}

function winstonLogger(json: boolean) {
  const transport = new LokiTransport({
    host: server.url,
    labels: { app: 'winston-demo', env: 'test' },
    json,
    batching: true,
    interval: 0.05,
    replaceTimestamp: false,
    gracefulShutdown: false,
    // The line is exactly the message, so the test can compare it.
    format: winston.format.printf((info) => String(info.message)),
  });
  const logger = winston.createLogger({ level: 'debug', transports: [transport] });
  return { logger, transport };
}

describe('winston-loki 6.1.7', () => {
  it('protobuf + snappy (its default): lines, labels and millisecond timestamps come back exactly', async () => {
    const { logger, transport } = winstonLogger(false);
    for (const [k, line] of LINES.entries()) {
      logger.log({
        level: k % 2 ? 'warn' : 'info',
        message: line,
        timestamp: new Date(BASE_MS + k).toISOString(),
      });
    }
    await server.waitFor((reqs) => reqs.length > 0);
    await transport.flush();
    await transport.close();

    const req = server.requests[0]!;
    expect(req.headers['content-type']).toBe('application/x-protobuf');
    expect(req.headers['content-encoding']).toBeUndefined();
    const { pushes, byLabels } = decodeAll();
    expect(pushes.every((p) => p.format === 'loki-protobuf')).toBe(true);
    const info = byLabels.get(JSON.stringify({ app: 'winston-demo', env: 'test', level: 'info' }))!;
    const warn = byLabels.get(JSON.stringify({ app: 'winston-demo', env: 'test', level: 'warn' }))!;
    expect(info.map((e) => [e.ts, e.line])).toEqual([
      [BigInt(BASE_MS) * 1_000_000n, LINES[0]],
      [BigInt(BASE_MS + 2) * 1_000_000n, LINES[2]],
    ]);
    expect(warn.map((e) => [e.ts, e.line])).toEqual([
      [BigInt(BASE_MS + 1) * 1_000_000n, LINES[1]],
      [BigInt(BASE_MS + 3) * 1_000_000n, LINES[3]],
    ]);
    expect(pushes.reduce((n, p) => n + p.lineBytes, 0)).toBe(
      LINES.reduce((n, l) => n + Buffer.byteLength(l), 0),
    );
  });

  it('JSON mode: lines, labels, nanosecond strings and its metadata third element', async () => {
    const { logger, transport } = winstonLogger(true);
    logger.info({ message: LINES[0], timestamp: new Date(BASE_MS).toISOString(), trace_id: 'abc123', n: 42 });
    logger.error({ message: LINES[1], timestamp: new Date(BASE_MS + 5).toISOString() });
    await server.waitFor((reqs) => reqs.length > 0);
    await transport.flush();
    await transport.close();

    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    const { pushes, byLabels } = decodeAll();
    expect(pushes.every((p) => p.format === 'loki-json')).toBe(true);
    const info = byLabels.get(JSON.stringify({ app: 'winston-demo', env: 'test', level: 'info' }))!;
    expect(info).toHaveLength(1);
    expect(info[0]!.ts).toBe(BigInt(BASE_MS) * 1_000_000n);
    expect(info[0]!.line).toBe(LINES[0]);
    expect({ ...info[0]!.metadata }).toEqual({ level: 'info', trace_id: 'abc123', n: '42' });
    const error = byLabels.get(JSON.stringify({ app: 'winston-demo', env: 'test', level: 'error' }))!;
    expect(error.map((e) => [e.ts, e.line])).toEqual([[BigInt(BASE_MS + 5) * 1_000_000n, LINES[1]]]);
  });

  it('protobuf mode does not escape label values: the request is refused like Loki does', async () => {
    const transport = new LokiTransport({
      host: server.url,
      labels: { app: 'demo', quote: 'a"b' },
      batching: true,
      interval: 0.05,
      gracefulShutdown: false,
      clearOnError: true,
    });
    const logger = winston.createLogger({ transports: [transport] });
    logger.info('hello');
    await server.waitFor((reqs) => reqs.length > 0);
    await transport.close();
    const req = server.requests[0]!;
    const err = (() => {
      try {
        decodePush(pushInput(req));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LabelParseError);
    expect((err as LabelParseError).message).toContain('quote="a"b"');
    expect((err as LabelParseError).httpStatus).toBe(400);
  });
});

describe('pino-loki 3.0.0', () => {
  it('JSON, one stream object per record: lines, labels, timestamps and structured metadata', async () => {
    let tick = 0;
    const stream = pinoLoki({
      host: server.url,
      labels: { app: 'pino-demo' },
      batching: { interval: 0.05 },
      structuredMetaKey: 'meta',
    });
    const logger = pino(
      { base: { hostname: 'test-host' }, timestamp: () => `,"time":${BASE_MS + tick++}` },
      stream,
    );
    logger.info({ meta: { trace_id: 'abc', attempt: 2 } }, LINES[0]);
    logger.error(LINES[1]);
    logger.info(LINES[2]);
    stream.end();
    await once(stream, 'close');
    await server.waitFor((reqs) => reqs.length > 0);

    const req = server.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    const { pushes, byLabels } = decodeAll();
    expect(pushes.every((p) => p.format === 'loki-json')).toBe(true);
    const info = byLabels.get(JSON.stringify({ app: 'pino-demo', hostname: 'test-host', level: 'info' }))!;
    const error = byLabels.get(JSON.stringify({ app: 'pino-demo', hostname: 'test-host', level: 'error' }))!;
    // pino-loki sends the whole pino record (minus hostname) as the line, its `time` (ms) as the ts.
    const ms = (e: PushEntry) => BigInt(JSON.parse(e.line).time) * 1_000_000n;
    expect(info.map((e) => JSON.parse(e.line).msg)).toEqual([LINES[0], LINES[2]]);
    expect(error.map((e) => JSON.parse(e.line).msg)).toEqual([LINES[1]]);
    for (const e of [...info, ...error]) expect(e.ts).toBe(ms(e));
    const times = [...info, ...error].map((e) => Number(e.ts / 1_000_000n)).sort();
    expect(times[2]! - times[0]!).toBe(2);
    expect(times[0]).toBeGreaterThanOrEqual(BASE_MS);
    expect(JSON.parse(info[0]!.line)).toMatchObject({
      level: 30,
      meta: { trace_id: 'abc', attempt: 2 },
      msg: LINES[0],
    });
    expect({ ...info[0]!.metadata }).toEqual({ trace_id: 'abc', attempt: '2' });
    // Three records in one batch arrive as three stream objects; same label sets are merged.
    expect(pushes[0]!.streams).toHaveLength(2);
  });
});

describe.each([
  ['@opentelemetry/exporter-logs-otlp-http (JSON)', 'json'],
  ['@opentelemetry/exporter-logs-otlp-proto', 'protobuf'],
  ['@opentelemetry/exporter-logs-otlp-http (JSON, gzip)', 'json-gzip'],
  ['@opentelemetry/exporter-logs-otlp-proto (gzip)', 'protobuf-gzip'],
] as const)('%s 0.223.1', (_name, kind) => {
  it('OTLP: resource labels, nanosecond timestamps, severity, attributes and bodies come back exactly', async () => {
    const url = `${server.url}/otlp/v1/logs`;
    const compression = kind.endsWith('gzip') ? ('gzip' as never) : undefined;
    const exporter = kind.startsWith('json')
      ? new OtlpHttpJsonExporter({ url, ...(compression ? { compression } : {}) })
      : new OtlpProtoExporter({ url, ...(compression ? { compression } : {}) });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({
        'service.name': 'otel-demo',
        'k8s.namespace.name': 'shop',
        'k8s.pod.name': 'otel-demo-5c9d-abcde',
        'host.name': 'node-1',
      }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 50 })],
    });
    const logger = provider.getLogger('interop-test', '1.0.0');
    for (const [k, line] of LINES.entries()) {
      logger.emit({
        body: line,
        timestamp: [1_763_000_000 + k, 123_456_789],
        severityNumber: k % 2 ? SeverityNumber.WARN : SeverityNumber.INFO,
        severityText: k % 2 ? 'WARN' : 'INFO',
        attributes: { 'http.route': '/items', attempt: k },
      });
    }
    logger.emit({ body: { structured: true, n: 1 }, timestamp: [1_763_000_100, 1] });
    await provider.forceFlush();
    await provider.shutdown();

    const req = server.requests[0]!;
    expect(req.url).toBe('/otlp/v1/logs');
    expect(req.headers['content-type']).toBe(
      kind.startsWith('json') ? 'application/json' : 'application/x-protobuf',
    );
    if (compression) expect(req.headers['content-encoding']).toBe('gzip');
    const { pushes, byLabels } = decodeAll();
    expect(pushes.every((p) => p.format === (kind.startsWith('json') ? 'otlp-json' : 'otlp-protobuf'))).toBe(
      true,
    );
    expect([...byLabels.keys()]).toEqual([
      JSON.stringify({ namespace: 'shop', pod: 'otel-demo-5c9d-abcde', service_name: 'otel-demo' }),
    ]);
    const entries = [...byLabels.values()][0]!;
    expect(entries.map((e) => [e.ts, e.line])).toEqual([
      ...LINES.map((line, k) => [BigInt(1_763_000_000 + k) * 1_000_000_000n + 123_456_789n, line]),
      [1_763_000_100_000_000_001n, '{"n":1,"structured":true}'],
    ]);
    const meta = { ...entries[1]!.metadata };
    expect(meta).toMatchObject({
      http_route: '/items',
      attempt: '1',
      severity_number: '13',
      severity_text: 'WARN',
      host_name: 'node-1',
      scope_name: 'interop-test',
      scope_version: '1.0.0',
    });
    expect(meta.observed_timestamp).toMatch(/^\d{19}$/);
  });
});
