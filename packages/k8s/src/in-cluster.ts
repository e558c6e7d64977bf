import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { Exec, PortForward, type V1Status } from '@kubernetes/client-node';
import { type KubeClient, toPlain } from './client.js';
import { RECEIVER_NAME } from './constants.js';
import {
  CopyBackError,
  K8sError,
  NotFoundError,
  ReceiverExistsError,
  ReceiverNotReadyError,
} from './errors.js';
import type { JsonObject } from './patch.js';
import {
  CAPTURE_CONTAINER,
  RECEIVER_CAPTURE_DIR,
  RECEIVER_CONTAINER,
  RECEIVER_PORT,
  type ReceiverSpec,
  receiverNamespaceManifest,
  receiverPodManifest,
  receiverServiceManifest,
} from './receiver-manifest.js';
import { TarExtractor } from './tar.js';

/** A receiver started in the cluster by {@link startInClusterReceiver}. */
export interface InClusterReceiver {
  namespace: string;
  pod: string;
  service: string;
  run: string;
  /** What to pass to `logtap tap --target`: the Service's cluster DNS name and port. */
  target: string;
  /** logtap created the namespace (and deletes it at the end). */
  createdNamespace: boolean;
  /** When the run's TTL ends. */
  expiresAt: Date;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Creates the receiver: its namespace if missing (labelled managed-by=logtap, deleted again at the end),
 * a Service and the Pod (see receiver-manifest.ts for every field). A receiver of that name that is
 * already there is an error naming it (logtap never takes over a running receiver). Whatever was created
 * before a failure is deleted again.
 */
export async function startInClusterReceiver(
  client: KubeClient,
  spec: ReceiverSpec,
): Promise<InClusterReceiver> {
  const ns = spec.namespace;
  const name = spec.name ?? RECEIVER_NAME;
  let createdNamespace = false;
  try {
    await client.readNamespace(ns);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await client.call(`create namespace ${ns}`, () =>
      client.core.createNamespace({ body: receiverNamespaceManifest(spec) as never }),
    );
    createdNamespace = true;
  }
  const rx: InClusterReceiver = {
    namespace: ns,
    pod: name,
    service: name,
    run: spec.run,
    target: `http://${name}.${ns}.svc:${RECEIVER_PORT}`,
    createdNamespace,
    expiresAt: new Date(spec.now.getTime() + spec.ttlSeconds * 1000),
  };
  const existing = await readPod(client, ns, name);
  if (existing) {
    const meta = (existing.metadata ?? {}) as { creationTimestamp?: string; labels?: Record<string, string> };
    throw new ReceiverExistsError(
      ns,
      name,
      meta.creationTimestamp ?? '',
      meta.labels?.['logtap.dev/run'] ?? '',
    );
  }
  let service = false;
  try {
    await client.call(`create service ${name} in namespace ${ns}`, () =>
      client.core.createNamespacedService({ namespace: ns, body: receiverServiceManifest(spec) as never }),
    );
    service = true;
    await client.call(`create pod ${name} in namespace ${ns}`, () =>
      client.core.createNamespacedPod({ namespace: ns, body: receiverPodManifest(spec) as never }),
    );
  } catch (err) {
    await deleteInClusterReceiver(client, { ...rx, service: service ? name : '' }, { pod: false }).catch(
      () => {
        // Best effort: the original error is what the user needs to see.
      },
    );
    throw err;
  }
  return rx;
}

async function readPod(client: KubeClient, namespace: string, name: string): Promise<JsonObject | undefined> {
  try {
    return toPlain(
      await client.call(`get pod ${name} in namespace ${namespace}`, () =>
        client.core.readNamespacedPod({ name, namespace }),
      ),
    );
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: object;
    terminated?: { exitCode?: number; reason?: string; message?: string };
  };
}

/** Waiting reasons that will not fix themselves: stop waiting and say why. */
const HOPELESS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
  'RunContainerError',
]);

function statusesOf(pod: JsonObject): ContainerStatus[] {
  return (
    (pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []
  ).slice();
}

/**
 * Waits until the receiver pod is Ready; fails fast (ReceiverNotReadyError with the reason) on image pull
 * errors, crash loops, an unschedulable pod or a pod that ended, and at the timeout (default 2 min).
 */
export async function waitForInClusterReceiver(
  client: KubeClient,
  rx: InClusterReceiver,
  opts: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last = 'not created yet';
  for (;;) {
    opts.signal?.throwIfAborted();
    const pod = await readPod(client, rx.namespace, rx.pod);
    if (pod) {
      const status = (pod.status ?? {}) as {
        phase?: string;
        conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
      };
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True') return;
      if (status.phase === 'Failed' || status.phase === 'Succeeded')
        throw new ReceiverNotReadyError(rx.namespace, rx.pod, `the pod ended (phase ${status.phase})`);
      const sched = status.conditions?.find((c) => c.type === 'PodScheduled');
      if (sched?.status === 'False' && sched.reason === 'Unschedulable')
        throw new ReceiverNotReadyError(rx.namespace, rx.pod, `unschedulable: ${sched.message ?? ''}`);
      for (const c of statusesOf(pod)) {
        const w = c.state?.waiting;
        if (w?.reason && HOPELESS.has(w.reason))
          throw new ReceiverNotReadyError(
            rx.namespace,
            rx.pod,
            `container ${c.name}: ${w.reason}: ${w.message ?? ''}`,
          );
      }
      last = `phase ${status.phase ?? 'Pending'}${ready?.reason ? `, ${ready.reason}` : ''}`;
    }
    if (Date.now() >= deadline)
      throw new ReceiverNotReadyError(
        rx.namespace,
        rx.pod,
        `not ready after ${Math.round((opts.timeoutMs ?? 120_000) / 1000)}s (${last})`,
      );
    await sleep(opts.pollMs ?? 1000, opts.signal);
  }
}

/** A local port forwarded to the receiver pod's push port. */
export interface PortForwardHandle {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/**
 * Forwards a local TCP port (default: any free one, on 127.0.0.1) to the receiver's port 3100 through the
 * API server (client-node PortForward, one WebSocket per connection), so the CLI can read the receiver's
 * /metrics and anyone on this machine can push to it.
 */
export async function forwardInClusterReceiver(
  client: KubeClient,
  rx: InClusterReceiver,
  opts: { localPort?: number; host?: string } = {},
): Promise<PortForwardHandle> {
  const pf = new PortForward(client.connection.kubeConfig);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const errors = new PassThrough();
    errors.on('data', () => socket.destroy()); // the error channel speaks only when forwarding failed
    pf.portForward(rx.namespace, rx.pod, [RECEIVER_PORT], socket, errors, socket).catch(() =>
      socket.destroy(),
    );
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.localPort ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs a command in a container of the receiver pod; resolves its exit status, stdout goes to `stdout`. */
async function exec(
  client: KubeClient,
  rx: InClusterReceiver,
  container: string,
  command: string[],
  stdout: NodeJS.WritableStream | null,
): Promise<{ ok: boolean; message: string; stderr: string }> {
  const stderr = new PassThrough();
  let errText = '';
  stderr.on('data', (d: Buffer) => {
    if (errText.length < 4096) errText += d.toString();
  });
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(client.connection.kubeConfig)
      .exec(rx.namespace, rx.pod, container, command, stdout as never, stderr, null, false, resolve)
      .then((ws) => {
        // A socket that closes without a status (the API server went away) is a failure too.
        (ws as unknown as { on(e: string, f: () => void): void }).on('close', () =>
          setTimeout(() => reject(new Error('the exec stream closed without an exit status')), 100),
        );
      }, reject);
  });
  return { ok: status.status === 'Success', message: status.message ?? '', stderr: errText.trim() };
}

/**
 * Stops the receiver gracefully (SIGTERM to its process, as Ctrl-C does locally: it drains its queue and
 * closes the capture) and waits until its container has exited. Resolves the exit code, or undefined
 * when it did not stop within the timeout (the capture is then copied as it is: it is crash-safe).
 */
export async function stopInClusterReceiver(
  client: KubeClient,
  rx: InClusterReceiver,
  opts: WaitOptions = {},
): Promise<number | undefined> {
  const r = await exec(client, rx, RECEIVER_CONTAINER, ['node', '-e', "process.kill(1, 'SIGTERM')"], null);
  if (!r.ok)
    throw new K8sError(`could not stop the receiver in ${rx.namespace}/${rx.pod}: ${r.message} ${r.stderr}`);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const pod = await readPod(client, rx.namespace, rx.pod);
    const c = pod ? statusesOf(pod).find((s) => s.name === RECEIVER_CONTAINER) : undefined;
    const exit = c?.state?.terminated?.exitCode;
    if (exit !== undefined) return exit;
    if (Date.now() >= deadline) return undefined;
    await sleep(opts.pollMs ?? 500, opts.signal);
  }
}

/**
 * Copies the capture out of the pod into `dir` (which must be missing or empty): `tar` in the capture
 * container, read over the exec API and unpacked by a strict extractor (regular files only, nothing
 * outside `dir`, files 0600).
 */
export async function copyInClusterCapture(
  client: KubeClient,
  rx: InClusterReceiver,
  dir: string,
): Promise<{ files: string[]; bytes: number }> {
  if (existsSync(dir) && (await readdir(dir)).length > 0)
    throw new CopyBackError(dir, 'the directory is not empty; pick another --dir');
  const extractor = new TarExtractor(dir);
  const out = new PassThrough();
  const extracted = new Promise<void>((resolve, reject) => {
    extractor.on('finish', resolve);
    extractor.on('error', reject);
  });
  out.pipe(extractor);
  let r: Awaited<ReturnType<typeof exec>>;
  try {
    r = await exec(client, rx, CAPTURE_CONTAINER, ['tar', 'cf', '-', '-C', RECEIVER_CAPTURE_DIR, '.'], out);
  } catch (err) {
    throw new CopyBackError(dir, (err as Error).message, { cause: err });
  }
  if (!out.writableEnded) out.end();
  if (!r.ok)
    throw new CopyBackError(dir, `tar in ${rx.namespace}/${rx.pod} failed: ${r.message} ${r.stderr}`.trim());
  try {
    await extracted;
  } catch (err) {
    throw new CopyBackError(dir, (err as Error).message, { cause: err });
  }
  return extractor.result;
}

/**
 * Deletes what {@link startInClusterReceiver} created: the pod, the Service, and the namespace when logtap
 * created it. Missing objects are fine (deleting twice is not an error). Resolves what was deleted.
 */
export async function deleteInClusterReceiver(
  client: KubeClient,
  rx: InClusterReceiver,
  opts: { pod?: boolean } = {},
): Promise<string[]> {
  const deleted: string[] = [];
  const gone = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await client.call(`delete ${what}`, fn);
      deleted.push(what);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  };
  const ns = rx.namespace;
  if (opts.pod !== false)
    await gone(`pod/${rx.pod}`, () =>
      client.core.deleteNamespacedPod({ name: rx.pod, namespace: ns, gracePeriodSeconds: 5 }),
    );
  if (rx.service)
    await gone(`service/${rx.service}`, () =>
      client.core.deleteNamespacedService({ name: rx.service, namespace: ns }),
    );
  if (rx.createdNamespace) await gone(`namespace/${ns}`, () => client.core.deleteNamespace({ name: ns }));
  return deleted;
}
