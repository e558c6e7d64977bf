import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, test } from '@jest/globals';
import { KubeApiError, KubeConfigError, KubeUnreachableError } from './errors.js';
import { inClusterEndpoint, KubeClient, kubeconfigEndpoint, SERVICE_ACCOUNT_DIR } from './kube.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'logtap-kube-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('in-cluster endpoint', () => {
  test('KubeConfig.loadFromCluster: https on the service address, IPv6 in brackets', async () => {
    const prefix = await tempDir();
    const sa = join(prefix, SERVICE_ACCOUNT_DIR);
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await writeFile(join(sa, 'token'), 'token-1\n');
    const saved = [process.env.KUBERNETES_SERVICE_HOST, process.env.KUBERNETES_SERVICE_PORT];
    process.env.KUBERNETES_SERVICE_HOST = 'fd00::1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const ep = await inClusterEndpoint({ host: 'fd00::1', port: '443', pathPrefix: prefix });
      expect(ep.server).toBe('https://[fd00::1]:443');
      expect(ep.config.getCurrentUser()?.authProvider?.config?.tokenFile).toBe(join(sa, 'token'));
      expect(ep.config.getCurrentCluster()?.caFile).toBe(join(sa, 'ca.crt'));
    } finally {
      for (const [k, v] of [
        ['KUBERNETES_SERVICE_HOST', saved[0]],
        ['KUBERNETES_SERVICE_PORT', saved[1]],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  test('outside a pod, or without a mounted token, the error says what to do', async () => {
    await expect(inClusterEndpoint({ host: undefined, port: undefined })).rejects.toThrow(/set KUBECONFIG/);
    const err = await inClusterEndpoint({ host: '10.0.0.1', port: '443', pathPrefix: '/nonexistent' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as Error).message).toMatch(/ca\.crt/);
  });
});

/** A client on a plain http server whose handler the test provides, through a kubeconfig file. */
async function fakeApi(
  handler: Parameters<typeof createServer>[1],
  opts: { requestTimeoutMs?: number; streamIdleTimeoutMs?: number; port?: number } = {},
): Promise<KubeClient> {
  let port = opts.port;
  if (port === undefined) {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
    );
    port = (server.address() as AddressInfo).port;
  }
  const dir = await tempDir();
  const file = join(dir, 'kubeconfig');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: { server: `http://127.0.0.1:${port}/prefix`, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'u', user: { token: 'tok' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  const endpoint = await kubeconfigEndpoint(file);
  return new KubeClient(endpoint, { requestTimeoutMs: opts.requestTimeoutMs ?? 2000, ...opts });
}

async function drain(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) text += String(chunk);
  return text;
}

describe('KubeClient', () => {
  test('getPod: plain JSON with string timestamps; the credentials and a path prefix of the server are sent', async () => {
    const seen: string[] = [];
    const client = await fakeApi((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          metadata: { name: 'p', labels: { app: 'a' } },
          status: {
            containerStatuses: [
              { name: 'c', lastState: { terminated: { finishedAt: '2026-01-02T03:04:05Z', exitCode: 1 } } },
            ],
          },
        }),
      );
    });
    const pod = await client.getPod('ns', 'p');
    expect(pod.metadata).toEqual({ name: 'p', labels: { app: 'a' } });
    const statuses = (pod.status as { containerStatuses: Array<{ lastState: { terminated: unknown } }> })
      .containerStatuses;
    expect(statuses[0]?.lastState.terminated).toEqual({
      finishedAt: '2026-01-02T03:04:05.000Z',
      exitCode: 1,
    });
    expect(seen).toEqual(['/prefix/api/v1/namespaces/ns/pods/p Bearer tok']);
  });

  test('openLog streams the body with timestamps, follow and sinceTime on the query', async () => {
    let url = '';
    const client = await fakeApi((req, res) => {
      url = req.url!;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('2026-01-01T00:00:00.000000001Z one\n');
      setTimeout(() => res.end('2026-01-01T00:00:00.000000002Z two\n'), 20);
    });
    const body = await client.openLog('ns', 'p', {
      container: 'app',
      follow: true,
      sinceTime: '2026-01-01T00:00:00Z',
    });
    expect(await drain(body)).toBe(
      '2026-01-01T00:00:00.000000001Z one\n2026-01-01T00:00:00.000000002Z two\n',
    );
    const q = new URL(url, 'http://x').searchParams;
    expect(url.startsWith('/prefix/api/v1/namespaces/ns/pods/p/log?')).toBe(true);
    expect(Object.fromEntries(q)).toMatchObject({
      container: 'app',
      follow: 'true',
      timestamps: 'true',
      previous: 'false',
      sinceTime: '2026-01-01T00:00:00Z',
    });
  });

  test('errors carry the Status message (which client-node Log.log hides for non-500s)', async () => {
    const asked: string[] = [];
    const client = await fakeApi((req, res) => {
      asked.push(req.url!);
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          reason: 'BadRequest',
          message: 'container "app" in pod "p" is waiting to start: ContainerCreating',
        }),
      );
    });
    const err = await client.openLog('ns', 'p', { container: 'app', follow: true }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 400, reason: 'BadRequest', code: 'FORWARDER_KUBE_API' });
    expect((err as Error).message).toContain('is waiting to start: ContainerCreating');
    // The second request is the cheap re-issue that reads the message: one byte, no follow.
    expect(asked).toHaveLength(2);
    expect(asked[1]).toMatch(/limitBytes=1/);
    expect(asked[1]).not.toMatch(/follow=true/);
  });

  test('a 500 Status keeps its message; a 403 explains which permission is missing', async () => {
    const c500 = await fakeApi((_req, res) => {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', code: 500, message: 'kubelet unreachable' }));
    });
    const e500 = await c500.openLog('ns', 'p', { container: 'app', follow: false }).catch((e) => e);
    expect(e500).toMatchObject({ status: 500 });
    expect((e500 as Error).message).toContain('kubelet unreachable');
    const c403 = await fakeApi((_req, res) => res.writeHead(403).end('forbidden'));
    const err = await c403.getPod('ns', 'p').catch((e) => e);
    expect(err).toMatchObject({ status: 403 });
    expect((err as Error).message).toMatch(/needs `get` on pods and pods\/log/);
  });

  test('an unreachable server is a KubeUnreachableError, for the pod and for the log', async () => {
    const dead = await fakeApi(() => {}, { port: 1 });
    const e1 = await dead.getPod('ns', 'p').catch((e) => e);
    expect(e1).toBeInstanceOf(KubeUnreachableError);
    const e2 = await dead.openLog('ns', 'p', { container: 'app', follow: true }).catch((e) => e);
    expect(e2).toBeInstanceOf(KubeUnreachableError);
    expect((e2 as Error).message).toMatch(/ECONNREFUSED/);
  });

  test('a connection broken mid-stream errors the body instead of hanging', async () => {
    const client = await fakeApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('2026-01-01T00:00:00.000000001Z one\n');
      setTimeout(() => res.socket?.destroy(), 30);
    });
    const body = await client.openLog('ns', 'p', { container: 'app', follow: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of body) text += String(chunk);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(text).toBe('2026-01-01T00:00:00.000000001Z one\n');
  });

  test('a silent follow stream ends with an error after the idle timeout; the caller can abort', async () => {
    const client = await fakeApi(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('2026-01-01T00:00:00.000000001Z one\n');
      },
      { streamIdleTimeoutMs: 150 },
    );
    const body = await client.openLog('ns', 'p', { container: 'app', follow: true });
    const err = await drain(body).catch((e) => e);
    expect((err as Error).message).toMatch(/no data for 150 ms/);
    const ac = new AbortController();
    const body2 = await client.openLog('ns', 'p', { container: 'app', follow: true }, ac.signal);
    setTimeout(() => ac.abort(), 20);
    expect(await drain(body2).catch((e) => e)).toBeInstanceOf(Error);
  });

  test('a server that never answers the log request times out', async () => {
    const client = await fakeApi(() => {}, { requestTimeoutMs: 200 });
    const err = await client.openLog('ns', 'p', { container: 'app', follow: true }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeUnreachableError);
  });
});
