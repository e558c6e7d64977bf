import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Agent } from 'undici';
import { KubeApiError, KubeConfigError, KubeUnreachableError } from './errors.js';
import { inClusterEndpoint, KubeClient, type KubeEndpoint } from './kube.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function saDir(token: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'logtap-sa-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  await writeFile(join(dir, 'token'), `${token}\n`);
  return dir;
}

describe('in-cluster endpoint', () => {
  test('https on the service address, IPv6 in brackets, token re-read when it rotates', async () => {
    const dir = await saDir('token-1');
    let now = 0;
    const ep = await inClusterEndpoint({ host: 'fd00::1', port: '443', dir, now: () => now });
    cleanups.push(() => ep.close());
    expect(ep.server).toBe('https://[fd00::1]:443');
    expect(await ep.authHeaders()).toEqual({ authorization: 'Bearer token-1' });
    await writeFile(join(dir, 'token'), 'token-2');
    await utimes(join(dir, 'token'), new Date(), new Date(Date.now() + 5000));
    expect(await ep.authHeaders()).toEqual({ authorization: 'Bearer token-1' }); // cached for a minute
    now += 60_000;
    expect(await ep.authHeaders()).toEqual({ authorization: 'Bearer token-2' });
    await writeFile(join(dir, 'token'), 'token-3');
    expect(await ep.authHeaders(true)).toEqual({ authorization: 'Bearer token-3' }); // after a 401
  });

  test('outside a pod, or without a mounted token, the error says what to do', async () => {
    await expect(inClusterEndpoint({ host: undefined, port: undefined })).rejects.toThrow(/set KUBECONFIG/);
    const err = await inClusterEndpoint({ host: '10.0.0.1', port: '443', dir: '/nonexistent' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as Error).message).toMatch(/ca\.crt/);
  });
});

/** An endpoint on a plain http server whose handler the test provides. */
async function fakeApi(
  handler: Parameters<typeof createServer>[1],
  tokens: string[],
): Promise<{ client: KubeClient; asked: string[] }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  );
  const asked: string[] = [];
  const dispatcher = new Agent();
  const endpoint: KubeEndpoint = {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`,
    dispatcher,
    async authHeaders(refresh) {
      asked.push(refresh ? 'refresh' : 'cached');
      return { authorization: `Bearer ${tokens[refresh ? 1 : 0]}` };
    },
    close: () => dispatcher.close(),
  };
  cleanups.push(() => endpoint.close());
  return { client: new KubeClient(endpoint, { requestTimeoutMs: 2000 }), asked };
}

describe('KubeClient', () => {
  test('a 401 re-reads the credentials once; a path prefix of the server is kept', async () => {
    const paths: string[] = [];
    const { client, asked } = await fakeApi(
      (req, res) => {
        paths.push(req.url!);
        if (req.headers.authorization !== 'Bearer new') {
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"kind":"Status","reason":"Unauthorized"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"metadata":{"name":"p"}}');
      },
      ['old', 'new'],
    );
    expect(await client.getPod('ns', 'p')).toEqual({ metadata: { name: 'p' } });
    expect(asked).toEqual(['cached', 'refresh']);
    expect(paths).toEqual(['/prefix/api/v1/namespaces/ns/pods/p', '/prefix/api/v1/namespaces/ns/pods/p']);
  });

  test('errors carry the Status message (which client-node Log.log hides for non-500s)', async () => {
    const { client } = await fakeApi(
      (_req, res) => {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            kind: 'Status',
            reason: 'BadRequest',
            message: 'container "app" in pod "p" is waiting to start: ContainerCreating',
          }),
        );
      },
      ['t', 't'],
    );
    const err = await client.openLog('ns', 'p', { container: 'app', follow: true }).catch((e) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 400, reason: 'BadRequest', code: 'FORWARDER_KUBE_API' });
    expect((err as Error).message).toContain('is waiting to start: ContainerCreating');
  });

  test('a 403 explains which permission is missing; an unreachable server is a KubeUnreachableError', async () => {
    const { client } = await fakeApi((_req, res) => res.writeHead(403).end('forbidden'), ['t', 't']);
    const err = await client.getPod('ns', 'p').catch((e) => e);
    expect((err as Error).message).toMatch(/needs `get` on pods and pods\/log/);
    const dispatcher = new Agent();
    const dead = new KubeClient({
      server: 'http://127.0.0.1:1',
      dispatcher,
      authHeaders: async () => ({}),
      close: () => dispatcher.close(),
    });
    cleanups.push(() => dispatcher.close());
    expect(await dead.getPod('ns', 'p').catch((e) => e)).toBeInstanceOf(KubeUnreachableError);
  });
});
