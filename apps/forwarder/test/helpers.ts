/** Shared fixtures of the end-to-end tests: a test API server with a pod, a real receiver, the forwarder. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CaptureEntry, CaptureWriter, readEntries } from '@logtap/capture';
import { type KubeTestServer, startKubeTestServer } from '@logtap/kube-testserver';
import { Receiver, type Sink } from '@logtap/receiver';
import { Forwarder, type ForwarderOptions } from '../src/forwarder.js';
import { KubeClient, type KubeEndpoint, kubeconfigEndpoint } from '../src/kube.js';
import { silentLogger } from '../src/logger.js';

export const NS = 'shop';
export const POD = 'api-7d9f-abcde';
export const SESSION = 'lt-0123456789abcdef';
export const FORWARDER = `logtap-forwarder-${SESSION}`;

/** A real receiver writing a real capture directory. */
export class CaptureReceiver {
  private constructor(
    readonly dir: string,
    private running: Running | undefined,
    private port: number,
  ) {}

  static async start(dir: string, port = 0): Promise<CaptureReceiver> {
    const r = await startReceiver(dir, port);
    return new CaptureReceiver(dir, r, r.receiver.address().port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get stats() {
    return this.running?.receiver.stats();
  }

  /** Stops it (the capture is closed); `restart()` opens the same directory on the same port again. */
  async stop(): Promise<void> {
    await this.running?.receiver.close({ timeoutMs: 2000 });
    this.running = undefined;
  }

  async restart(): Promise<void> {
    this.running ??= await startReceiver(this.dir, this.port);
  }

  /** Every line of the capture, in file order (after writing out what the receiver accepted). */
  async entries(): Promise<CaptureEntry[]> {
    await this.running?.writer.flush();
    const out: CaptureEntry[] = [];
    for await (const e of readEntries(this.dir)) out.push(e);
    return out;
  }
}

interface Running {
  receiver: Receiver;
  writer: CaptureWriter;
}

async function startReceiver(dir: string, port: number): Promise<Running> {
  const writer = await CaptureWriter.open(dir, { minFreeBytes: 0, flushInterval: 20, worker: false });
  const sink: Sink = {
    append: (entries) => writer.append(entries),
    stats: () => {
      const s = writer.stats();
      return {
        linesWritten: s.writtenLines,
        bytesWritten: s.writtenBytes,
        pendingBytes: s.pendingBytes,
        diskBytes: s.diskBytes,
        rotations: s.rotations,
        evictions: s.evictions.files,
        linesLost: s.droppedLines,
      };
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
  const receiver = await Receiver.start({
    sink,
    queueBytes: 64 << 20,
    host: '127.0.0.1',
    port,
    countersIntervalMs: 60_000,
  });
  return { receiver, writer };
}

/** A pod with app containers (and the forwarder container, which must never be read). */
export function seedPod(
  server: KubeTestServer,
  opts: { containers?: string[]; init?: string[]; labels?: Record<string, string>; grace?: number } = {},
): void {
  if (!server.get('Namespace', '', NS)) server.createNamespace(NS);
  const containers = opts.containers ?? ['app'];
  server.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: POD,
      namespace: NS,
      labels: opts.labels ?? { 'app.kubernetes.io/name': 'api', 'pod-template-hash': '7d9f' },
    },
    spec: {
      nodeName: 'node-1',
      ...(opts.grace === undefined ? {} : { terminationGracePeriodSeconds: opts.grace }),
      ...(opts.init ? { initContainers: opts.init.map((name) => ({ name, image: 'busybox:1.36' })) } : {}),
      containers: [
        ...containers.map((name) => ({ name, image: 'example/app:1' })),
        { name: FORWARDER, image: 'ghcr.io/logtap/logtap-forwarder:0.1.0' },
      ],
    },
  });
  server.logs.startContainer(NS, POD, FORWARDER);
  server.logs.append(NS, POD, FORWARDER, ['{"level":"info","msg":"forwarder started"}']);
}

export interface Env {
  server: KubeTestServer;
  endpoint: KubeEndpoint;
  receiver: CaptureReceiver;
  dir: string;
  forwarders: Forwarder[];
  startForwarder(extra?: Partial<ForwarderOptions>): Promise<Forwarder>;
  cleanup(): Promise<void>;
}

export async function setup(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'logtap-fwd-'));
  const server = await startKubeTestServer();
  const kubeconfig = join(dir, 'kubeconfig');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(kubeconfig, server.kubeconfig(), { mode: 0o600 });
  const endpoint = await kubeconfigEndpoint(kubeconfig);
  const receiver = await CaptureReceiver.start(join(dir, 'capture'));
  const forwarders: Forwarder[] = [];
  return {
    server,
    endpoint,
    receiver,
    dir,
    forwarders,
    async startForwarder(extra = {}) {
      const f = await Forwarder.start({
        kube: new KubeClient(endpoint),
        namespace: NS,
        podName: POD,
        session: SESSION,
        target: receiver.url,
        nodeName: 'node-1',
        workloadKind: 'Deployment',
        workloadName: 'api',
        healthPort: 0,
        healthHost: '127.0.0.1',
        logger: silentLogger,
        version: 'test',
        batchWaitMs: 20,
        pollIntervalMs: 100,
        pushBackoff: { minMs: 20, maxMs: 200 },
        streamBackoff: { minMs: 20, maxMs: 200 },
        ...extra,
      });
      forwarders.push(f);
      return f;
    },
    async cleanup() {
      await Promise.all(forwarders.map((f) => f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 500 })));
      await receiver.stop();
      await endpoint.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true (or throws after `timeoutMs` with `what`). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `n` numbered lines: `<prefix> 0001` ... */
export function numbered(prefix: string, from: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix} ${String(from + i).padStart(5, '0')}`);
}
