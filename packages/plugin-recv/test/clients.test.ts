import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readEntries } from '@logtap/capture';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import pino from 'pino';
import { pinoLoki } from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { type Exit, metric, type RunningRecv, removeDir, startRecv, tempDir, waitFor } from './helpers.js';

// Each real client pushes to one running `recv` (a child process); after every push the test waits for
// the lines to be written, then reads the live capture back with @logtap/capture and checks every line,
// label and timestamp. The last test stops recv and checks the final accounting.

const run = promisify(execFile);
let recv: RunningRecv;
let dir: string;
let expectedTotal = 0;

beforeAll(async () => {
  dir = tempDir();
  recv = await startRecv(dir, ['--progress-interval', '0']);
});

afterAll(async () => {
  if (recv.proc.exitCode === null) await recv.stop();
  removeDir(dir);
});

/** Waits until `n` more lines are written, then returns the capture entries whose labels match. */
async function landed(n: number, match: Record<string, string>) {
  expectedTotal += n;
  await waitFor(
    async () => (await metric(recv.url, 'logtap_lines_written_total')) >= expectedTotal,
    15_000,
    `${expectedTotal} lines written`,
  );
  const out = [];
  for await (const e of readEntries(dir)) {
    if (Object.entries(match).every(([k, v]) => e.labels[k] === v)) out.push(e);
  }
  return out;
}

async function formatCount(format: string): Promise<number> {
  return metric(recv.url, `logtap_pushes_by_format_total{format="${format}"}`).catch(() => 0);
}

describe('real clients push to a running logtap recv', () => {
  test('winston-loki (protobuf + snappy)', async () => {
    const before = await formatCount('loki-protobuf');
    const transport = new LokiTransport({
      host: recv.url,
      labels: { app: 'winston', pod: 'web-7d9f-x2k9q' },
      batching: true,
      interval: 0.2,
      replaceTimestamp: false,
      onConnectionError: (err: unknown) => {
        throw err;
      },
    });
    const logger = winston.createLogger({ transports: [transport] });
    const base = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const messages = ['first line', 'ünïcödé ✓ and "quotes"', 'tab\there', 'error: disk full'];
    messages.forEach((message, i) => {
      logger.log({ level: i === 3 ? 'error' : 'info', message, timestamp: new Date(base + i).toISOString() });
    });
    await transport.flush();
    const entries = await landed(messages.length, { app: 'winston' });
    expect(await formatCount('loki-protobuf')).toBeGreaterThan(before);
    // winston-loki appends the record's other fields (here the level) as JSON after a space.
    expect(entries.map((e) => e.msg)).toEqual(
      messages.map((m, i) => `${m} ${JSON.stringify({ level: i === 3 ? 'error' : 'info' })}`),
    );
    expect(entries.map((e) => e.ts)).toEqual(messages.map((_, i) => BigInt(base + i) * 1_000_000n));
    expect(entries.map((e) => e.labels)).toEqual(
      messages.map((_, i) => ({ app: 'winston', pod: 'web-7d9f-x2k9q', level: i === 3 ? 'error' : 'info' })),
    );
    logger.close();
  });

  test('pino-loki (JSON)', async () => {
    const before = await formatCount('loki-json');
    const stream = pinoLoki({
      host: recv.url,
      batching: false,
      labels: { app: 'pino', pod: 'api-5c6d-abcde' },
    });
    let time = Date.UTC(2026, 0, 2, 3, 4, 6, 0);
    const logger = pino({ base: null, timestamp: () => `,"time":${time++}` }, stream);
    const messages = ['request served', 'user ü logged in', 'slow query'];
    for (const m of messages) logger.info({ route: '/x' }, m);
    const entries = await landed(messages.length, { app: 'pino' });
    expect(await formatCount('loki-json')).toBeGreaterThan(before);
    // pino-loki sends each record as its whole JSON line, the level as a label.
    const sorted = [...entries].sort((a, b) => (a.ts < b.ts ? -1 : 1));
    expect(sorted.map((e) => JSON.parse(e.msg))).toEqual(
      messages.map((msg, i) => ({ level: 30, time: time - messages.length + i, route: '/x', msg })),
    );
    expect(sorted.map((e) => e.ts)).toEqual(
      messages.map((_, i) => BigInt(time - messages.length + i) * 1_000_000n),
    );
    for (const e of sorted) expect(e.labels).toEqual({ app: 'pino', pod: 'api-5c6d-abcde', level: 'info' });
  });

  async function otel(exporter: OtlpHttpJsonExporter | OtlpProtoExporter, service: string, format: string) {
    const before = await formatCount(format);
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({
        'service.name': service,
        'k8s.namespace.name': 'load',
        'k8s.pod.name': `${service}-0`,
      }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('e2e');
    // Nanosecond precision survives: [seconds, nanoseconds] hrtime form.
    const records = [
      { body: `${service} one`, ts: [1767323045, 123456789] as [number, number] },
      { body: `${service} two ✓`, ts: [1767323045, 123456790] as [number, number] },
    ];
    for (const r of records) {
      logger.emit({
        body: r.body,
        timestamp: r.ts,
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
      });
    }
    await provider.forceFlush();
    await provider.shutdown();
    const entries = await landed(records.length, { service_name: service });
    expect(await formatCount(format)).toBeGreaterThan(before);
    expect(entries.map((e) => e.msg)).toEqual(records.map((r) => r.body));
    expect(entries.map((e) => e.ts)).toEqual(
      records.map((r) => BigInt(r.ts[0]) * 1_000_000_000n + BigInt(r.ts[1])),
    );
    for (const e of entries) {
      expect(e.labels).toMatchObject({ service_name: service, namespace: 'load', pod: `${service}-0` });
    }
  }

  test('OpenTelemetry OTLP log exporter, http/json', async () => {
    await otel(new OtlpHttpJsonExporter({ url: `${recv.url}/otlp/v1/logs` }), 'otel-json', 'otlp-json');
  });

  test('OpenTelemetry OTLP log exporter, http/protobuf', async () => {
    await otel(new OtlpProtoExporter({ url: `${recv.url}/otlp/v1/logs` }), 'otel-proto', 'otlp-protobuf');
  });

  test('gzip-encoded Loki JSON', async () => {
    const body = gzipSync(
      JSON.stringify({
        streams: [
          {
            stream: { app: 'gzip', pod: 'gz-1' },
            values: [
              ['1767323046000000001', 'gzipped one', { trace_id: 'abc' }],
              ['1767323046000000002', 'gzipped two'],
            ],
          },
        ],
      }),
    );
    const res = await fetch(`${recv.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(204);
    const entries = await landed(2, { app: 'gzip' });
    expect(entries).toEqual([
      {
        ts: 1767323046000000001n,
        labels: { app: 'gzip', pod: 'gz-1' },
        msg: 'gzipped one',
        meta: { trace_id: 'abc' },
      },
      { ts: 1767323046000000002n, labels: { app: 'gzip', pod: 'gz-1' }, msg: 'gzipped two' },
    ]);
  });

  test("the README's curl example", async () => {
    const ns = '1767323047000000000';
    const { stdout, stderr } = await run('curl', [
      '-sS',
      '-w',
      '%{http_code}',
      '-H',
      'Content-Type: application/json',
      '--data-raw',
      `{"streams":[{"stream":{"app":"demo"},"values":[["${ns}","hello"]]}]}`,
      `${recv.url}/loki/api/v1/push`,
    ]);
    expect(stderr).toBe('');
    expect(stdout).toBe('204');
    expect(await landed(1, { app: 'demo' })).toEqual([
      { ts: BigInt(ns), labels: { app: 'demo' }, msg: 'hello' },
    ]);
  });

  test('SIGINT: recv drains, closes the capture, prints a summary and exits 0 with exact accounting', async () => {
    const exit: Exit = await recv.stop('SIGINT');
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/stopping; draining/);
    expect(exit.stderr).toMatch(
      new RegExp(`summary received=${expectedTotal} written=${expectedTotal} dropped=0`),
    );
    let count = 0;
    for await (const _ of readEntries(dir)) count++;
    expect(count).toBe(expectedTotal);
  });
});
