import { readFileSync } from 'node:fs';
// The forwarder under measurement, in its own process so that its peak RSS is its own. It reads the pod
// through the in-cluster path (service-account files, https), exactly as in a pod.
import { Forwarder, inClusterEndpoint, KubeClient, silentLogger } from '../dist/index.js';

const opts = JSON.parse(process.argv[2]);

/**
 * Peak RSS of this process. Linux keeps getrusage's ru_maxrss across execve, so a child spawned by a big
 * parent reports the parent's size; VmHWM in /proc is per address space and starts fresh at exec.
 */
function peakRssKiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS;
}
// KubeConfig.loadFromCluster reads these itself, as in a pod.
process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
process.env.KUBERNETES_SERVICE_PORT = String(opts.apiPort);
const endpoint = await inClusterEndpoint({
  host: process.env.KUBERNETES_SERVICE_HOST,
  port: process.env.KUBERNETES_SERVICE_PORT,
  pathPrefix: opts.saDir,
});
const started = performance.now();
const f = await Forwarder.start({
  kube: new KubeClient(endpoint),
  namespace: 'bench',
  podName: 'bench-pod',
  session: 'lt-bench',
  target: opts.target,
  healthPort: 0,
  healthHost: '127.0.0.1',
  logger: silentLogger,
  version: 'bench',
});
let readMs = 0;
const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
for (;;) {
  const mu = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], mu[k]);
  const read = f.metrics.linesRead.total();
  if (read === opts.lines && readMs === 0) readMs = performance.now() - started;
  if (f.metrics.linesSent.total() + f.metrics.droppedLines.total() >= opts.lines) break;
  await new Promise((r) => setTimeout(r, 2));
}
const sentMs = performance.now() - started;
const summary = await f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 1000 });
await endpoint.close();
process.stdout.write(
  `${JSON.stringify({
    readMs,
    sentMs,
    linesSent: summary.linesSent,
    dropped: summary.linesDropped,
    bytesRead: f.metrics.bytesRead.total(),
    bodyBytes: f.metrics.bodyBytesSent.total(),
    pushes: f.metrics.pushes.total(),
    maxRssKiB: peakRssKiB(),
    peakMiB: Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / 1048576)])),
  })}\n`,
);
