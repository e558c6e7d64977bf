import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { KubeClient } from './client.js';
import { ClusterUnreachableError, ContextNotFoundError, NoClusterConfiguredError } from './errors.js';
import { loadKubeConfig } from './kubeconfig.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logtap-kc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (ctx: string, server: string, namespace?: string, current = ctx) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: ctx, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: ctx, user: { token: 't' } }],
    contexts: [{ name: ctx, context: { cluster: ctx, user: ctx, ...(namespace ? { namespace } : {}) } }],
    'current-context': current,
  });

describe('loadKubeConfig', () => {
  test('no file at all is a clear "no cluster configured" error naming where it looked', () => {
    const err = (() => {
      try {
        loadKubeConfig({ paths: [join(dir, 'missing')] });
      } catch (e) {
        return e;
      }
    })() as NoClusterConfiguredError;
    expect(err).toBeInstanceOf(NoClusterConfiguredError);
    expect(err.code).toBe('K8S_NO_CLUSTER_CONFIGURED');
    expect(err.message).toContain(join(dir, 'missing'));
  });

  test('merges files kubectl-style: the first file that sets a context or current-context wins', async () => {
    await writeFile(join(dir, 'a'), config('alpha', 'https://a.example:6443', 'team-a'));
    await writeFile(join(dir, 'b'), config('beta', 'https://b.example:6443'));
    const a = loadKubeConfig({ paths: [join(dir, 'a'), join(dir, 'b')] });
    expect(a).toMatchObject({
      context: 'alpha',
      server: 'https://a.example:6443',
      namespace: 'team-a',
      namespaceExplicit: true,
    });
    const b = loadKubeConfig({ paths: [join(dir, 'a'), join(dir, 'b')], context: 'beta' });
    expect(b).toMatchObject({
      context: 'beta',
      server: 'https://b.example:6443',
      namespace: 'default',
      namespaceExplicit: false,
    });
    expect(loadKubeConfig({ paths: [join(dir, 'b')], namespace: 'x' }).namespace).toBe('x');
    expect(() => loadKubeConfig({ paths: [join(dir, 'a')], context: 'gamma' })).toThrow(ContextNotFoundError);
  });

  test('a file without contexts or with broken YAML is "no cluster configured"', async () => {
    await writeFile(
      join(dir, 'empty'),
      '{"apiVersion":"v1","kind":"Config","clusters":[],"contexts":[],"users":[]}',
    );
    expect(() => loadKubeConfig({ paths: [join(dir, 'empty')] })).toThrow(/defines no contexts/);
    await writeFile(join(dir, 'broken'), 'clusters: [oops');
    expect(() => loadKubeConfig({ paths: [join(dir, 'broken')] })).toThrow(NoClusterConfiguredError);
  });

  test('rejected credentials are UnauthorizedError', async () => {
    const { startKubeTestServer } = await import('@logtap/kube-testserver');
    const server = await startKubeTestServer();
    try {
      await writeFile(join(dir, 'bad'), server.kubeconfig({ token: 'expired' }));
      const client = new KubeClient(loadKubeConfig({ paths: [join(dir, 'bad')] }));
      await expect(client.version()).rejects.toMatchObject({ code: 'K8S_UNAUTHORIZED', status: 401 });
    } finally {
      await server.close();
    }
  });

  test('an unreachable server is ClusterUnreachableError with the server URL', async () => {
    await writeFile(join(dir, 'c'), config('down', 'http://127.0.0.1:9'));
    const client = new KubeClient(loadKubeConfig({ paths: [join(dir, 'c')] }), { timeoutMs: 2000 });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as Error).message).toContain('http://127.0.0.1:9');
  });
});
