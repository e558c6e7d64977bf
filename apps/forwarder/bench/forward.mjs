// Benchmark of the logtap-forwarder program as it ships: the bundle (or the unbundled dist) runs in its own
// process with the image's V8 flags, reads a container log through pods/log (https, bearer token,
// timestamps), parses, batches, encodes protobuf + snappy and pushes to a local receiver. Prints its idle
// RSS (streams open, nothing read or pushed yet), its peak RSS (VmHWM) reading the backlog as fast as it
// can, its RSS at rest after the backlog, its throughput and its CPU time.
// Usage: node bench/forward.mjs [--lines N] [--receiver real|null] [--program bundle|dist|<path>]
//        [--idle-ms 3000] [--rest-ms 5000]
//        FORWARDER_NODE_FLAGS="..." overrides the V8 flags (default: those of docker/forwarder.Dockerfile).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { imageNodeFlags } from './image-flags.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    receiver: { type: 'string', default: 'real' },
    program: { type: 'string', default: 'bundle' },
    'idle-ms': { type: 'string', default: '3000' },
    'rest-ms': { type: 'string', default: '5000' },
  },
});
const LINES = Number(values.lines);
const IDLE_MS = Number(values['idle-ms']);
const REST_MS = Number(values['rest-ms']);
const here = import.meta.dirname;
const PROGRAMS = {
  bundle: join(here, '../dist/bundle/logtap-forwarder.mjs'),
  dist: join(here, '../bin/logtap-forwarder.js'),
};
// A name, or the path of another build of the program (A/B comparisons).
const program = PROGRAMS[values.program] ?? (values.program.includes('/') ? values.program : undefined);
if (!program) throw new Error(`--program must be one of ${Object.keys(PROGRAMS).join(', ')} or a path`);
if (!existsSync(program)) throw new Error(`${program} is missing: run pnpm --filter @logtap/forwarder build`);
const nodeFlags =
  process.env.FORWARDER_NODE_FLAGS === undefined
    ? imageNodeFlags()
    : process.env.FORWARDER_NODE_FLAGS.split(' ').filter(Boolean);
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
    join(tmp, 'ca.crt'),
  ],
  { stdio: 'ignore' },
);
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
let logRequested;
const logRequest = new Promise((r) => {
  logRequested = r;
});
let startStreaming;
const go = new Promise((r) => {
  startStreaming = r;
});
const api = createHttpsServer(
  { key: readFileSync(join(tmp, 'key.pem')), cert: readFileSync(join(tmp, 'ca.crt')) },
  async (req, res) => {
    if (req.headers.authorization !== 'Bearer bench-token') {
      res.writeHead(401).end();
      return;
    }
    if (req.url.endsWith('/pods/bench-pod')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(pod);
      return;
    }
    if (req.url.includes('/pods/bench-pod/log?') && req.url.includes('container=app')) {
      // Headers first, then nothing until the idle RSS is sampled: the forwarder sits on an open stream.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      logRequested();
      await go;
      for (const c of chunks) if (!res.write(c)) await new Promise((r) => res.once('drain', r));
      res.end();
      return;
    }
    res.writeHead(404).end();
  },
);
await new Promise((r) => api.listen(0, '127.0.0.1', r));
// The program runs outside a cluster here, so it gets a kubeconfig (token + CA, https) instead of the
// service-account mount; KubeConfig and every request past it are the same.
writeFileSync(
  join(tmp, 'kubeconfig'),
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'bench',
        cluster: {
          server: `https://127.0.0.1:${api.address().port}`,
          'certificate-authority': join(tmp, 'ca.crt'),
        },
      },
    ],
    users: [{ name: 'bench', user: { token: 'bench-token' } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench', namespace: 'bench' } }],
    'current-context': 'bench',
  }),
  { mode: 0o600 },
);

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
  const { CaptureWriter } = await import('@logtap/capture');
  const { Receiver } = await import('@logtap/receiver');
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

// ---- run the forwarder program --------------------------------------------------------------------------
const child = spawn(process.execPath, [...nodeFlags, program], {
  env: {
    PATH: process.env.PATH ?? '',
    KUBECONFIG: join(tmp, 'kubeconfig'),
    LOGTAP_TARGET: target,
    LOGTAP_SESSION: 'lt-bench',
    LOGTAP_POD_NAME: 'bench-pod',
    LOGTAP_NAMESPACE: 'bench',
    LOGTAP_HEALTH_PORT: '0',
    LOGTAP_LOG_LEVEL: 'info',
    // Allocator and libuv knobs (MALLOC_ARENA_MAX, UV_THREADPOOL_SIZE) and the forwarder's tuning variables
    // pass through for experiments.
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) =>
        /^(MALLOC_|UV_|LOGTAP_(POLL_INTERVAL|BATCH_BYTES|BATCH_WAIT|BUFFER_BYTES|MAX_LINE_BYTES)$)/.test(k),
      ),
    ),
  },
  // FORWARDER_STDOUT=<file> keeps what the program prints on stdout (e.g. with --trace-gc in the flags).
  stdio: [
    'ignore',
    process.env.FORWARDER_STDOUT ? openSync(process.env.FORWARDER_STDOUT, 'w') : 'ignore',
    'pipe',
  ],
});
let healthPort;
let stderr = '';
child.stderr.on('data', (d) => {
  stderr += d;
  const m = /"msg":"forwarder started".*?"healthPort":(\d+)/.exec(stderr);
  if (m) healthPort ??= Number(m[1]);
});
const exited = new Promise((r) => child.on('exit', (code, signal) => r(code ?? signal)));
const status = (field) => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};
/** utime + stime of the forwarder, seconds (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
const cpuSeconds = () => {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const metrics = async () => {
  const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
  const sum = (name) => {
    let n = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'gm'))) n += Number(m[1]);
    return n;
  };
  return {
    read: sum('logtap_forwarder_lines_read_total'),
    sent: sum('logtap_forwarder_lines_sent_total'),
    dropped: sum('logtap_forwarder_dropped_lines_total'),
    pushes: sum('logtap_forwarder_pushes_total'),
    body: sum('logtap_forwarder_body_bytes_sent_total'),
  };
};
const fail = (why) => {
  child.kill('SIGKILL');
  throw new Error(`${why}; forwarder stderr:\n${stderr}`);
};
await Promise.race([logRequest, exited.then((c) => fail(`the forwarder exited (${c}) before reading`))]);
while (healthPort === undefined) await new Promise((r) => setTimeout(r, 10));
await new Promise((r) => setTimeout(r, IDLE_MS));
const idleRss = status('VmRSS');
const idleHwm = status('VmHWM');
const cpu0 = cpuSeconds();
const started = performance.now();
startStreaming();
let readMs = 0;
let last;
for (;;) {
  last = await metrics();
  if (readMs === 0 && last.read >= LINES) readMs = performance.now() - started;
  if (last.sent + last.dropped >= LINES) break;
  if (child.exitCode !== null) fail('the forwarder exited');
  await new Promise((r) => setTimeout(r, 25));
}
const sentMs = performance.now() - started;
const cpu = cpuSeconds() - cpu0;
const peakRss = status('VmHWM');
// At rest again, after the work: what a sidecar that has pushed holds between bursts.
await new Promise((r) => setTimeout(r, REST_MS));
const afterRss = status('VmRSS');
child.kill('SIGTERM');
const code = await exited;
await closeReceiver();
api.close();
rmSync(tmp, { recursive: true, force: true });
if (code !== 0) throw new Error(`the forwarder exited with ${code} after SIGTERM:\n${stderr}`);

const mb = (b) => (b / 1e6).toFixed(1);
console.log(
  `forwarder bench: ${LINES.toLocaleString()} loghub lines, ${mb(msgBytes)} MB of messages (${mb(wireBytes)} MB with kubelet timestamps), receiver=${values.receiver}, program=${values.program}`,
);
console.log(`  node flags: ${nodeFlags.join(' ') || '(none)'}`);
console.log(
  `  idle RSS (streams open, nothing to read, after ${IDLE_MS} ms): ${idleRss.toFixed(1)} MiB (peak so far ${idleHwm.toFixed(1)} MiB)`,
);
console.log(`  peak RSS reading the backlog (VmHWM): ${peakRss.toFixed(1)} MiB`);
console.log(`  RSS at rest after the backlog (${REST_MS} ms later): ${afterRss.toFixed(1)} MiB`);
console.log(
  `  read+parse+batch+encode: ${Math.round(LINES / (readMs / 1000)).toLocaleString()} lines/s, ${mb(msgBytes / (readMs / 1000))} MB/s (${(readMs / 1000).toFixed(2)} s)`,
);
console.log(
  `  end to end (accepted by the receiver): ${Math.round(last.sent / (sentMs / 1000)).toLocaleString()} lines/s, ${mb(msgBytes / (sentMs / 1000))} MB/s (${(sentMs / 1000).toFixed(2)} s)`,
);
console.log(
  `  forwarder CPU: ${cpu.toFixed(2)} s (${Math.round(LINES / cpu).toLocaleString()} lines per CPU second)`,
);
console.log(
  `  pushes: ${last.pushes}, body bytes ${mb(last.body)} MB (protobuf+snappy), dropped ${last.dropped}`,
);
