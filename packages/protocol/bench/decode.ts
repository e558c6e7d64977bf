/**
 * Decode throughput of @logtap/protocol on 1 MiB batches of real log lines (loghub), one core.
 * Run: pnpm --filter @logtap/protocol bench   (LOGTAP_CORPUS=<dir> to point at another loghub copy)
 * Prints lines/s and MB/s of uncompressed line bytes per wire format, and the peak RSS.
 */
import { resolve } from 'node:path';
import { uncompressSync } from 'snappy';
import { decodePush, decodePushColumns, type PushRequestInput } from '../dist/index.js';
import { PushRequest } from '../src/test-helpers/schemas.js';
import {
  buildBatch,
  loadCorpus,
  lokiJsonBody,
  lokiProtobufBody,
  otlpJsonBody,
  otlpProtobufBody,
} from './payloads.js';

const corpusDir =
  process.env.LOGTAP_CORPUS ?? resolve(import.meta.dirname, '../../../../shared/corpus/loghub');
const seconds = Number(process.env.LOGTAP_BENCH_SECONDS ?? 4);
const rounds = 5;
const corpus = loadCorpus(corpusDir);
const batch = buildBatch(corpus, 1024 * 1024);

interface Case {
  name: string;
  input: PushRequestInput;
  /** Alternative decoder (baseline) instead of decodePush. */
  run?: () => number;
}

const cases: Case[] = [
  {
    name: 'loki protobuf+snappy',
    input: {
      body: lokiProtobufBody(batch),
      path: '/loki/api/v1/push',
      contentType: 'application/x-protobuf',
    },
  },
  {
    name: 'loki json',
    input: { body: lokiJsonBody(batch), path: '/loki/api/v1/push', contentType: 'application/json' },
  },
  {
    name: 'loki json+gzip',
    input: {
      body: lokiJsonBody(batch, true),
      path: '/loki/api/v1/push',
      contentType: 'application/json',
      contentEncoding: 'gzip',
    },
  },
  {
    name: 'otlp protobuf',
    input: { body: otlpProtobufBody(batch), path: '/otlp/v1/logs', contentType: 'application/x-protobuf' },
  },
  {
    name: 'otlp json',
    input: { body: otlpJsonBody(batch), path: '/otlp/v1/logs', contentType: 'application/json' },
  },
];

// Columns: the same validation and merging without building strings or entry objects (what a receiver
// uses to count a push it drops, or to serialise lines straight from the wire bytes).
cases.splice(1, 0, {
  name: 'loki protobuf+snappy, columns',
  input: cases[0]!.input,
  run: () => decodePushColumns(cases[0]!.input)!.lines,
});

// Baseline: snappy + protobufjs reflection decode of the same body (the generic path we replaced).
const protoBody = cases[0]!.input.body;
cases.push({
  name: 'baseline: snappy+protobufjs reflection',
  input: cases[0]!.input,
  run: () => {
    const msg = PushRequest.decode(uncompressSync(Buffer.from(protoBody)) as Buffer) as unknown as {
      streams: Array<{ entries: unknown[] }>;
    };
    let n = 0;
    for (const s of msg.streams) n += s.entries.length;
    return n;
  },
});

interface Result {
  /** Median over rounds, by wall-clock time. */
  perSec: number;
  /** Best round, by wall-clock time. */
  bestPerSec: number;
  /** Median over rounds, by this process's CPU time (user + system, all threads). */
  cpuPerSec: number;
  bytesPerLine: number;
}

const rssMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`payloads built; peak RSS so far ${rssMiB()} MiB`);

function measure(c: Case): Result {
  const once = c.run ?? (() => decodePush(c.input).lines);
  // Warm up so the optimising compiler has seen the code, then time rounds of whole batches. The machine
  // is shared, so rounds are repeated and the median (and best) reported rather than one long average.
  for (let k = 0; k < 30; k++) once();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let iterations = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (let k = 0; k < 5; k++) if (once() !== batch.lines) throw new Error(`${c.name}: wrong line count`);
      iterations += 5;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    } while (elapsed < seconds / rounds);
    const used = process.cpuUsage(c0);
    wall.push((iterations * batch.lines) / elapsed);
    cpu.push((iterations * batch.lines) / ((used.user + used.system) / 1e6));
  }
  return {
    perSec: median(wall),
    bestPerSec: Math.max(...wall),
    cpuPerSec: median(cpu),
    bytesPerLine: batch.lineBytes / batch.lines,
  };
}

console.log(
  `batch: ${batch.lines} lines, ${batch.streams.length} streams, ${(batch.lineBytes / 1048576).toFixed(2)} MiB of line bytes; ` +
    `node ${process.version}; ${rounds} rounds over ${seconds}s per case; MB/s = uncompressed line bytes`,
);
console.log(
  'format'.padEnd(40),
  'body KiB'.padStart(9),
  'lines/s'.padStart(12),
  'MB/s'.padStart(8),
  'best lines/s'.padStart(13),
  'cpu lines/s'.padStart(12),
  'ms/batch'.padStart(9),
  'peak RSS MiB'.padStart(13),
);
for (const c of cases) {
  const r = measure(c);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    c.name.padEnd(40),
    (c.input.body.length / 1024).toFixed(0).padStart(9),
    fmt(r.perSec).padStart(12),
    ((r.perSec * r.bytesPerLine) / 1e6).toFixed(1).padStart(8),
    fmt(r.bestPerSec).padStart(13),
    fmt(r.cpuPerSec).padStart(12),
    ((batch.lines / r.perSec) * 1000).toFixed(2).padStart(9),
    rssMiB().padStart(13),
  );
}
console.log(`peak RSS of the process: ${rssMiB()} MiB (cumulative: each row shows the peak so far)`);
