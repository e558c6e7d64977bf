import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { RESOURCE_TYPES, type StoreEvent } from '@logtap/kube-testserver';
import { check } from './check.js';
import { CopyBackError, ReceiverExistsError, ReceiverNotReadyError } from './errors.js';
import {
  copyInClusterCapture,
  deleteInClusterReceiver,
  forwardInClusterReceiver,
  startInClusterReceiver,
  stopInClusterReceiver,
  waitForInClusterReceiver,
} from './in-cluster.js';
import { type ReceiverSpec, receiverPodManifest } from './receiver-manifest.js';
import { startCluster, type TestCluster } from './test-helpers/cluster.js';

let c: TestCluster;
let work: string;
let fake: FakeReceiverPod | undefined;

beforeEach(async () => {
  c = await startCluster();
  work = await mkdtemp(join(tmpdir(), 'logtap-incluster-'));
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await c.close();
  await rm(work, { recursive: true, force: true });
});

const spec = (extra: Partial<ReceiverSpec> = {}): ReceiverSpec => ({
  namespace: 'logtap',
  image: 'ghcr.io/logtap/logtap:0.1.0',
  run: 'lt-0123456789abcdef',
  maxDiskBytes: 1024 ** 3,
  ttlSeconds: 3600,
  now: new Date('2026-01-01T00:00:00Z'),
  recvArgs: ['--max-disk', '1GiB'],
  ...extra,
});

/**
 * Plays the kubelet and the container runtime for the receiver pod: when the pod is created its
 * containers start; its port 3100 is a local HTTP server that writes pushes into a directory (the pod's
 * emptyDir); exec runs the two commands logtap uses: the SIGTERM to the receiver, and `tar` of the capture
 * (the real tar, on that directory).
 */
class FakeReceiverPod {
  http: Server;
  pushes = 0;
  stopped = false;
  constructor(
    readonly c: TestCluster,
    readonly dir: string,
  ) {
    this.http = createServer((req, res) => {
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (d: Buffer) => chunks.push(d));
        req.on('end', () => {
          void writeFile(join(this.dir, `push-${++this.pushes}.bin`), Buffer.concat(chunks), {
            mode: 0o600,
          }).then(() => res.writeHead(204).end());
        });
        return;
      }
      res.end(req.url === '/metrics' ? `logtap_lines_received_total ${this.pushes}\n` : 'ok');
    });
    c.server.store.events.on('event', (e: StoreEvent) => {
      if (e.type !== 'ADDED' || e.resource.kind !== 'Pod') return;
      const m = e.object.metadata!;
      if (m.labels?.['app.kubernetes.io/name'] !== 'logtap-receiver') return;
      setTimeout(() => this.boot(m.namespace!, m.name!), 20);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    return this;
  }

  boot(ns: string, pod: string): void {
    const { server } = this.c;
    if (!server.get('Pod', ns, pod)) return; // deleted before it started
    server.logs.startContainer(ns, pod, 'receiver');
    server.logs.startContainer(ns, pod, 'capture');
    server.streams.forwardPort(ns, pod, 3100, {
      host: '127.0.0.1',
      port: (this.http.address() as AddressInfo).port,
    });
    server.streams.onExec(ns, pod, async ({ container, command, stdout, stderr }) => {
      if (container === 'receiver' && command.join(' ') === "node -e process.kill(1, 'SIGTERM')") {
        this.stopped = true;
        await writeFile(join(this.dir, 'metadata.json'), '{"stopped":true}', { mode: 0o600 });
        setTimeout(() => server.logs.terminateContainer(ns, pod, 'receiver', 0), 30);
        return 0;
      }
      if (container === 'capture' && command[0] === 'tar') {
        const args = command.slice(1).map((a) => (a === '/data/capture' ? this.dir : a));
        const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        tar.stderr.pipe(stderr, { end: false });
        await pipeline(tar.stdout, stdout, { end: false });
        return new Promise<number>((r) => tar.on('close', (code) => r(code ?? 1)));
      }
      stderr.write(`unexpected command ${command.join(' ')}\n`);
      return 127;
    });
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise((r) => this.http.close(r));
  }
}

describe('recv --in-cluster operations', () => {
  test('create, wait, port-forward, push, stop, copy back, delete: the whole run against the test API server', async () => {
    const podDir = join(work, 'pod-data');
    await mkdir(podDir);
    fake = await new FakeReceiverPod(c, podDir).listen();
    const rx = await startInClusterReceiver(c.client, spec());
    expect(rx).toMatchObject({
      namespace: 'logtap',
      pod: 'logtap-receiver',
      service: 'logtap-receiver',
      target: 'http://logtap-receiver.logtap.svc:3100',
      createdNamespace: true,
    });
    const ns = c.server.get('Namespace', '', 'logtap')!;
    expect(ns.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'logtap' });
    const svc = c.server.get('Service', 'logtap', 'logtap-receiver')!;
    expect(svc.spec).toMatchObject({ selector: { 'logtap.dev/run': 'lt-0123456789abcdef' } });
    await waitForInClusterReceiver(c.client, rx, { timeoutMs: 5000, pollMs: 20 });

    const pf = await forwardInClusterReceiver(c.client, rx);
    const res = await fetch(`${pf.url}/loki/api/v1/push`, { method: 'POST', body: 'protobuf bytes' });
    expect(res.status).toBe(204);
    expect(await (await fetch(`${pf.url}/metrics`)).text()).toBe('logtap_lines_received_total 1\n');
    await pf.close();

    expect(await stopInClusterReceiver(c.client, rx, { timeoutMs: 5000, pollMs: 20 })).toBe(0);
    expect(fake.stopped).toBe(true);
    const local = join(work, 'capture');
    const copied = await copyInClusterCapture(c.client, rx, local);
    expect(copied.files.sort()).toEqual(['metadata.json', 'push-1.bin']);
    expect(await readFile(join(local, 'push-1.bin'), 'utf8')).toBe('protobuf bytes');

    expect(await deleteInClusterReceiver(c.client, rx)).toEqual([
      'pod/logtap-receiver',
      'service/logtap-receiver',
      'namespace/logtap',
    ]);
    expect(c.server.get('Namespace', '', 'logtap')).toBeUndefined();
    expect(await deleteInClusterReceiver(c.client, rx)).toEqual([]); // twice is fine
    const verbs = c.server.requests
      .filter((r) => r.resource.startsWith('pods/'))
      .map((r) => `${r.verb} ${r.resource}`);
    expect(new Set(verbs)).toEqual(new Set(['create pods/portforward', 'create pods/exec']));
  });

  test('an existing namespace is kept; a receiver already there is an error; nothing half-made stays', async () => {
    c.server.createNamespace('logtap');
    fake = await new FakeReceiverPod(c, work).listen();
    const rx = await startInClusterReceiver(c.client, spec());
    expect(rx.createdNamespace).toBe(false);
    const again = await startInClusterReceiver(c.client, spec({ run: 'lt-ffffffffffffffff' })).catch(
      (e) => e,
    );
    expect(again).toBeInstanceOf(ReceiverExistsError);
    expect((again as Error).message).toMatch(/already runs in namespace logtap .*run lt-0123456789abcdef/);
    expect(await deleteInClusterReceiver(c.client, rx)).toEqual([
      'pod/logtap-receiver',
      'service/logtap-receiver',
    ]);
    expect(c.server.get('Namespace', '', 'logtap')).toBeDefined();

    // The pod is refused (here: by RBAC) after the Service was made: the Service goes again.
    c.server.authz.deny({ verbs: ['create'], resources: ['pods'] });
    await expect(startInClusterReceiver(c.client, spec())).rejects.toThrow(/create pod logtap-receiver/);
    expect(c.server.get('Service', 'logtap', 'logtap-receiver')).toBeUndefined();
  });

  test('a run whose CLI was killed is found by check (labelled managed-by=logtap)', async () => {
    await startInClusterReceiver(c.client, spec());
    const report = await check(c.client, { namespace: 'shop' });
    expect(report.leftovers.receivers.map((r) => `${r.kind} ${r.namespace}/${r.name}`).sort()).toEqual([
      'Pod logtap/logtap-receiver',
      'Service logtap/logtap-receiver',
    ]);
  });

  test('a pod that cannot start fails fast with the reason', async () => {
    const rx = await startInClusterReceiver(c.client, spec());
    const pod = c.server.get('Pod', 'logtap', 'logtap-receiver')!;
    c.server.store.replace(
      RESOURCE_TYPES.find((t) => t.kind === 'Pod')!,
      {
        ...pod,
        status: {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'receiver',
              ready: false,
              state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
            },
          ],
        },
      },
      { subresource: 'status' },
    );
    const t0 = Date.now();
    const err = await waitForInClusterReceiver(c.client, rx, { timeoutMs: 10_000, pollMs: 20 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ReceiverNotReadyError);
    expect((err as Error).message).toContain('container receiver: ImagePullBackOff: Back-off pulling image');
    expect(Date.now() - t0).toBeLessThan(2000);
    const timeout = await waitForInClusterReceiver(
      c.client,
      { ...rx, pod: 'missing' },
      { timeoutMs: 100, pollMs: 20 },
    ).catch((e) => e);
    expect((timeout as Error).message).toMatch(/not ready after 0s \(not created yet\)/);
  });

  test('the copy back refuses a non-empty local directory', async () => {
    const rx = await startInClusterReceiver(c.client, spec());
    await writeFile(join(work, 'x'), 'mine');
    await expect(copyInClusterCapture(c.client, rx, work)).rejects.toBeInstanceOf(CopyBackError);
    expect(await readdir(work)).toEqual(['x']);
  });

  test('the pod manifest: restricted security, probes, resources, TTL, emptyDir limit', () => {
    const pod = receiverPodManifest(spec({ authToken: 's3cret', liveToken: 'read-only-live-token' })) as {
      metadata: { annotations: Record<string, string> };
      spec: Record<string, unknown> & { containers: Array<Record<string, unknown>>; volumes: unknown[] };
    };
    expect(pod.metadata.annotations['logtap.dev/expires']).toBe('2026-01-01T01:00:00.000Z');
    expect(pod.spec).toMatchObject({
      restartPolicy: 'OnFailure',
      activeDeadlineSeconds: 4200,
      automountServiceAccountToken: false,
    });
    const [rxc, cap] = pod.spec.containers;
    expect(rxc).toMatchObject({
      name: 'receiver',
      args: [
        'recv',
        '--headless',
        '--listen',
        '0.0.0.0:3100',
        '--dir',
        '/data/capture',
        '--max-disk',
        '1GiB',
      ],
      env: [
        { name: 'HOME', value: '/data' },
        { name: 'LOGTAP_AUTH_TOKEN', value: 's3cret' },
        { name: 'LOGTAP_LIVE_TOKEN', value: 'read-only-live-token' },
      ],
      readinessProbe: { httpGet: { path: '/healthz', port: 'push' } },
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      securityContext: { runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    });
    expect(cap).toMatchObject({ name: 'capture', command: ['sleep', 'infinity'] });
    expect(pod.spec.volumes).toContainEqual({ name: 'data', emptyDir: { sizeLimit: '1383Mi' } });
  });
});
