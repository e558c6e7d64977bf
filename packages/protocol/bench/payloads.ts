/**
 * Realistic push batches for the benchmark: loghub lines (8 systems × 2k lines) spread over ~50 streams
 * with Kubernetes-style label sets, then encoded in every wire format the receiver accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodePushJson, encodePushProtobuf, type PushStream } from '../dist/index.js';
import { ExportLogsServiceRequest } from '../src/test-helpers/schemas.js';

export interface Batch {
  streams: PushStream[];
  lines: number;
  lineBytes: number;
}

/** Reads every `*_2k.log` under the loghub corpus folder: system name → lines. */
export function loadCorpus(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const system of readdirSync(dir, { withFileTypes: true })) {
    if (!system.isDirectory()) continue;
    const file = join(dir, system.name, `${system.name}_2k.log`);
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    out.set(system.name, lines);
  }
  if (out.size === 0) throw new Error(`no *_2k.log files under ${dir}`);
  return out;
}

const PODS_PER_SYSTEM = 6;

/**
 * Builds one batch of about `targetBytes` of line bytes: each system runs as a deployment with 6 pods
 * (≈ 48 streams), lines are dealt round-robin, timestamps advance 50 µs per line with ns precision.
 */
export function buildBatch(
  corpus: Map<string, string[]>,
  targetBytes: number,
  startNs = 1_763_000_000_000_000_000n,
): Batch {
  const streams = new Map<string, PushStream>();
  const systems = [...corpus.keys()].sort();
  const cursor = new Map<string, number>(systems.map((s) => [s, 0]));
  let lineBytes = 0;
  let lines = 0;
  let ts = startNs;
  for (let k = 0; lineBytes < targetBytes; k++) {
    const system = systems[k % systems.length]!;
    const all = corpus.get(system)!;
    const at = cursor.get(system)!;
    cursor.set(system, (at + 1) % all.length);
    const line = all[at]!;
    const pod = Math.floor(k / systems.length) % PODS_PER_SYSTEM;
    const key = `${system}/${pod}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      const app = system.toLowerCase();
      const labels: Record<string, string> = Object.create(null);
      labels.app = app;
      labels.container = app;
      labels.job = `loadtest/${app}`;
      labels.namespace = 'loadtest';
      labels.pod = `${app}-7d9f8c6b5-${(0x1f3a5 * (pod + 1)).toString(36).slice(-5)}`;
      stream = { labels, entries: [] };
      streams.set(key, stream);
    }
    ts += 50_000n + BigInt(k % 997);
    stream.entries.push({ ts, line });
    lineBytes += Buffer.byteLength(line);
    lines++;
  }
  return { streams: [...streams.values()], lines, lineBytes };
}

/** Loki protobuf + snappy (what promtail / Alloy / winston-loki send). */
export function lokiProtobufBody(batch: Batch): Uint8Array {
  return encodePushProtobuf(batch.streams);
}

/** Loki JSON v1, optionally gzip-compressed (what Fluent Bit / Vector / pino-loki send). */
export function lokiJsonBody(batch: Batch, gzip = false): Uint8Array {
  const json = Buffer.from(encodePushJson(batch.streams));
  return gzip ? gzipSync(json) : json;
}

function otlpRequest(batch: Batch) {
  return {
    resourceLogs: batch.streams.map((s) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: s.labels.app } },
          { key: 'k8s.namespace.name', value: { stringValue: s.labels.namespace } },
          { key: 'k8s.pod.name', value: { stringValue: s.labels.pod } },
          { key: 'k8s.container.name', value: { stringValue: s.labels.container } },
          { key: 'host.arch', value: { stringValue: 'amd64' } },
        ],
      },
      scopeLogs: [
        {
          scope: { name: 'loadtest', version: '1.0.0' },
          logRecords: s.entries.map((e) => ({
            timeUnixNano: e.ts.toString(),
            observedTimeUnixNano: (e.ts + 1000n).toString(),
            severityNumber: 9,
            severityText: 'INFO',
            body: { stringValue: e.line },
          })),
        },
      ],
    })),
  };
}

/** OTLP/HTTP protobuf (ExportLogsServiceRequest), encoded by protobufjs reflection. */
export function otlpProtobufBody(batch: Batch): Uint8Array {
  const req = otlpRequest(batch);
  const msg = ExportLogsServiceRequest.fromObject({
    resourceLogs: req.resourceLogs.map((rl) => ({
      ...rl,
      scopeLogs: rl.scopeLogs.map((sl) => ({
        ...sl,
        logRecords: sl.logRecords.map((r) => ({
          ...r,
          timeUnixNano: r.timeUnixNano,
          observedTimeUnixNano: r.observedTimeUnixNano,
        })),
      })),
    })),
  });
  return ExportLogsServiceRequest.encode(msg).finish();
}

/** OTLP/JSON (what the OTel JS / collector HTTP JSON exporters send). */
export function otlpJsonBody(batch: Batch): Uint8Array {
  return Buffer.from(JSON.stringify(otlpRequest(batch)));
}
