// Benchmark of the forwarder's whole path: read a container log through pods/log (https, timestamps),
// parse, batch, encode protobuf + snappy and push it to a local receiver. Prints lines/s, MB/s and the
// forwarder's peak RSS. Usage: node bench/forward.mjs [--lines N] [--receiver real|null]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CaptureWriter } from '@logtap/capture';
import { Receiver } from '@logtap/receiver';

const { values } = parseArgs({
  options: { lines: { type: 'string', default: '1000000' }, receiver: { type: 'string', default: 'real' } },
});
const LINES = Number(values.lines);
const here = import.meta.dirname;
const tmp = mkdtempSync(join(tmpdir(), 'logtap-fwd-bench-'));

// ---- the log: loghub lines (8 systems) with kubelet timestamps, 1 µs apart ------------------------------
const corpusDir = join(here, '../../../../shared/corpus/loghub');
const corpus = [];
for (const sys of readdirSync(corpusDir)) {
  let files = [];
  try {
    files = readdirSync(join(corpusDir, sys)).filter((f) => f.endsWith('.log'));
  } catch {
    continue;
  }
  for (const f of files)
    corpus.push(
      ...readFileSync(join(corpusDir, sys, f), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
}
if (corpus.length === 0) throw new Error(`no corpus lines under ${corpusDir}`);
const base = BigInt(Date.now()) * 1_000_000n;
const chunks = [];
let msgBytes = 0;
let parts = [];
let partBytes = 0;
for (let i = 0; i < LINES; i++) {
  const ns = base + BigInt(i) * 1000n;
  const sec = ns / 1_000_000_000n;
  const frac = String(ns - sec * 1_000_000_000n).padStart(9, '0');
  const msg = corpus[i % corpus.length];
  msgBytes += Buffer.byteLength(msg);
  const line = `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac}Z ${msg}\n`;
  parts.push(line);
  partBytes += line.length;
  if (partBytes >= 64 * 1024) {
    chunks.push(Buffer.from(parts.join('')));
    parts = [];
    partBytes = 0;
  }
}
if (parts.length) chunks.push(Buffer.from(parts.join('')));
const wireBytes = chunks.reduce((n, c) => n + c.length, 0);

// The service-account mount as loadFromCluster(pathPrefix = tmp) reads it.
const sa = join(tmp, 'var/run/secrets/kubernetes.io/serviceaccount');
mkdirSync(sa, { recursive: true });
// ---- a Kubernetes API stand-in over TLS: the pod and its (finished) container's log --------------------
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(tmp, 'key.pem'),
    '-out',
    join(sa, 'ca.crt'),
  ],
  { stdio: 'ignore' },
);
writeFileSync(join(sa, 'token'), 'bench-token');
const pod = JSON.stringify({
  metadata: { name: 'bench-pod', namespace: 'bench', uid: 'u', labels: { app: 'bench' } },
  spec: { nodeName: 'n1', containers: [{ name: 'app' }, { name: 'logtap-forwarder-lt-bench' }] },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'app', containerID: 'cri://app', restartCount: 0, state: { terminated: { exitCode: 0 } } },
      { name: 'logtap-forwarder-lt-bench', containerID: 'cri://f', restartCount: 0, state: { running: {} } },
    ],
  },
});
const api = createHttpsServer(
  { key: readFileSync(join(tmp, 'key.pem')), cert: readFileSync(join(sa, 'ca.crt')) },
  async (req, res) => {
    if (req.url.endsWith('/pods/bench-pod')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(pod);
      return;
    }
    if (req.url.includes('/pods/bench-pod/log?') && req.url.includes('container=app')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const c of chunks) if (!res.write(c)) await new Promise((r) => res.once('drain', r));
      res.end();
      return;
    }
    res.writeHead(404).end();
  },
);
await new Promise((r) => api.listen(0, '127.0.0.1', r));

// ---- the receiver: the real one writing a capture, or a null sink that only reads bodies ----------------
let target;
let closeReceiver;
if (values.receiver === 'null') {
  const rx = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  target = `http://127.0.0.1:${rx.address().port}`;
  closeReceiver = () => new Promise((r) => rx.close(r));
} else {
  const writer = await CaptureWriter.open(join(tmp, 'capture'), { minFreeBytes: 0 });
  const s = writer;
  const receiver = await Receiver.start({
    sink: {
      append: (e) => s.append(e),
      stats: () => {
        const x = s.stats();
        return {
          linesWritten: x.writtenLines,
          bytesWritten: x.writtenBytes,
          pendingBytes: x.pendingBytes,
          diskBytes: x.diskBytes,
          rotations: x.rotations,
          evictions: x.evictions.files,
          linesLost: x.droppedLines,
        };
      },
      flush: () => s.flush(),
      close: () => s.close(),
    },
    queueBytes: 256 << 20,
    host: '127.0.0.1',
    port: 0,
  });
  target = receiver.url;
  closeReceiver = () => receiver.close();
}

// ---- run the forwarder ----------------------------------------------------------------------------------
const nodeFlags = (process.env.FORWARDER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const child = spawn(
  process.execPath,
  [
    ...nodeFlags,
    join(here, 'child.mjs'),
    JSON.stringify({
      apiPort: api.address().port,
      saDir: tmp,
      target,
      lines: LINES,
    }),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
child.stdout.on('data', (d) => {
  out += d;
});
await new Promise((r) => child.on('exit', r));
await closeReceiver();
api.close();
rmSync(tmp, { recursive: true, force: true });
const r = JSON.parse(out);
const mb = (b) => (b / 1e6).toFixed(1);
console.log(
  `forwarder bench: ${LINES.toLocaleString()} loghub lines, ${mb(msgBytes)} MB of messages (${mb(wireBytes)} MB with kubelet timestamps), receiver=${values.receiver}`,
);
console.log(
  `  read+parse+batch+encode: ${Math.round(LINES / (r.readMs / 1000)).toLocaleString()} lines/s, ${mb(msgBytes / (r.readMs / 1000))} MB/s (${(r.readMs / 1000).toFixed(2)} s)`,
);
console.log(
  `  end to end (accepted by the receiver): ${Math.round(r.linesSent / (r.sentMs / 1000)).toLocaleString()} lines/s, ${mb(msgBytes / (r.sentMs / 1000))} MB/s (${(r.sentMs / 1000).toFixed(2)} s)`,
);
console.log(
  `  pushes: ${r.pushes}, body bytes ${mb(r.bodyBytes)} MB (protobuf+snappy), dropped ${r.dropped}`,
);
console.log(
  `  forwarder peak RSS: ${(r.maxRssKiB / 1024).toFixed(1)} MiB (sampled peaks, MiB: ${JSON.stringify(r.peakMiB)})`,
);
