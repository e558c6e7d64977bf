import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { type KubeTestServer, startKubeTestServer } from './index.js';

const run = promisify(execFile);
const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

function deployment(name: string, ns: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name, tier: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
      },
    },
    ...extra,
  };
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as k8s.ApiException<string>;
    return { code: e.code, status: JSON.parse(e.body) as Record<string, unknown> };
  }
  throw new Error('expected the request to fail');
}

let server: KubeTestServer;
let kc: k8s.KubeConfig;
let apps: k8s.AppsV1Api;
let core: k8s.CoreV1Api;

beforeEach(async () => {
  server = await startKubeTestServer();
  server.createNamespace('shop', { env: 'staging' });
  server.apply(deployment('api', 'shop'));
  kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig({ namespace: 'shop' }));
  apps = kc.makeApiClient(k8s.AppsV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
afterEach(async () => {
  await server.close();
});

describe('objects through @kubernetes/client-node', () => {
  test('create sets uid, creationTimestamp, generation and a growing resourceVersion', async () => {
    const a = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    const b = await apps.createNamespacedDeployment({ namespace: 'shop', body: deployment('web', 'shop') });
    expect(a.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.metadata?.generation).toBe(1);
    expect(Number(b.metadata?.resourceVersion)).toBeGreaterThan(Number(a.metadata?.resourceVersion));
    const dup = await apiError(
      apps.createNamespacedDeployment({ namespace: 'shop', body: deployment('web', 'shop') }),
    );
    expect(dup).toMatchObject({
      code: 409,
      status: { reason: 'AlreadyExists', message: 'deployments.apps "web" already exists' },
    });
  });

  test('list filters by label selector (equality, set and existence) and by field selector', async () => {
    server.apply(deployment('web', 'shop'));
    server.apply({
      ...deployment('db', 'shop'),
      metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } },
    });
    const names = async (labelSelector: string) =>
      (await apps.listNamespacedDeployment({ namespace: 'shop', labelSelector })).items.map(
        (d) => d.metadata?.name,
      );
    expect(await names('tier=web')).toEqual(['api', 'web']);
    expect(await names('app in (db,web)')).toEqual(['db', 'web']);
    expect(await names('app notin (db),tier')).toEqual(['api', 'web']);
    expect(await names('!tier')).toEqual(['db']);
    expect(await names('tier!=web')).toEqual(['db']);
    const byField = await apps.listNamespacedDeployment({
      namespace: 'shop',
      fieldSelector: 'metadata.name=web',
    });
    expect(byField.items.map((d) => d.metadata?.name)).toEqual(['web']);
    const bad = await apiError(
      apps.listNamespacedDeployment({ namespace: 'shop', labelSelector: 'a in ()' }),
    );
    expect(bad.code).toBe(400);
  });

  test('a JSON patch carrying a stale resourceVersion is a 409 Conflict; a failed test op is a 422', async () => {
    const body = [
      { op: 'replace', path: '/metadata/resourceVersion', value: '1' },
      { op: 'add', path: '/metadata/labels/x', value: 'y' },
    ];
    const conflict = await apiError(
      apps.patchNamespacedDeployment({ name: 'api', namespace: 'shop', body }, jsonPatch),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.status).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    expect(String(conflict.status.message)).toContain('the object has been modified');
    const test422 = await apiError(
      apps.patchNamespacedDeployment(
        { name: 'api', namespace: 'shop', body: [{ op: 'test', path: '/spec/replicas', value: 9 }] },
        jsonPatch,
      ),
    );
    expect(test422.code).toBe(422);
    const current = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    const ok = await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace: 'shop',
        body: [
          { op: 'replace', path: '/metadata/resourceVersion', value: current.metadata?.resourceVersion },
          ...body.slice(1),
        ],
      },
      jsonPatch,
    );
    expect(ok.metadata?.labels?.x).toBe('y');
  });

  test('merge patch (RFC 7386) deletes with null; strategic merge adds a container by name, first', async () => {
    const merged = await apps.patchNamespacedDeployment(
      { name: 'api', namespace: 'shop', body: { metadata: { labels: { tier: null, team: 'a' } } } },
      mergePatch,
    );
    expect(merged.metadata?.labels).toEqual({ app: 'api', team: 'a' });
    const smp = await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace: 'shop',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'side', image: 'busybox' },
                  { name: 'app', image: 'nginx:1.28' },
                ],
              },
            },
          },
        },
      },
      strategic,
    );
    expect(smp.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
      'side=busybox',
      'app=nginx:1.28',
    ]);
    expect(smp.metadata?.generation).toBe(2);
    const del = await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace: 'shop',
        body: { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } },
      },
      strategic,
    );
    expect(del.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['app']);
  });

  test('a write that changes nothing keeps the resourceVersion; generation moves only with the spec', async () => {
    const before = server.get('Deployment', 'shop', 'api')!;
    const same = await apps.patchNamespacedDeployment(
      { name: 'api', namespace: 'shop', body: { spec: { replicas: 2 } } },
      mergePatch,
    );
    expect(same.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    const labelled = await apps.patchNamespacedDeployment(
      { name: 'api', namespace: 'shop', body: { metadata: { labels: { z: '1' } } } },
      mergePatch,
    );
    expect(labelled.metadata?.generation).toBe(1);
  });

  test('validation: duplicate container names and a template that does not match the selector are 422 Invalid', async () => {
    const dup = await apiError(
      apps.patchNamespacedDeployment(
        {
          name: 'api',
          namespace: 'shop',
          body: [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'app', image: 'x' } }],
        },
        jsonPatch,
      ),
    );
    expect(dup.code).toBe(422);
    expect(dup.status.message).toBe(
      'Deployment.apps "api" is invalid: spec.template.spec.containers[1].name: Duplicate value: "app"',
    );
    const sel = await apiError(
      apps.patchNamespacedDeployment(
        {
          name: 'api',
          namespace: 'shop',
          body: { spec: { template: { metadata: { labels: { app: 'other' } } } } },
        },
        mergePatch,
      ),
    );
    expect(sel.code).toBe(422);
  });

  test('the rollout controller creates ready pods from the template and writes the status', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=api' });
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.status?.containerStatuses?.every((c) => c.ready))).toBe(true);
    const d = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
    });
  });

  test('deleting a namespace removes what is in it; unknown namespaces are 404 with a Status body', async () => {
    await core.deleteNamespace({ name: 'shop' });
    const nf = await apiError(core.readNamespace({ name: 'shop' }));
    expect(nf).toMatchObject({
      code: 404,
      status: {
        kind: 'Status',
        reason: 'NotFound',
        message: 'namespaces "shop" not found',
        details: { name: 'shop', kind: 'namespaces' },
      },
    });
    expect(server.list('Deployment')).toEqual([]);
  });
});

describe('authentication, authorization and faults', () => {
  test('a request without a known token is 401', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
  });

  test('a deny rule answers 403 with the RBAC wording and SelfSubjectAccessReview reports it', async () => {
    server.authz.deny({ verbs: ['get'], resources: ['namespaces'], names: ['shop'] });
    const denied = await apiError(core.readNamespace({ name: 'shop' }));
    expect(denied.code).toBe(403);
    expect(denied.status.message).toBe(
      'namespaces "shop" is forbidden: User "test-user" cannot get resource "namespaces" in API group "" in the namespace "shop"',
    );
    const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    const review = (verb: string) =>
      authz.createSelfSubjectAccessReview({
        body: {
          spec: { resourceAttributes: { verb, resource: 'namespaces', name: 'shop', namespace: 'shop' } },
        },
      });
    expect((await review('get')).status).toMatchObject({ allowed: false, denied: true });
    expect((await review('list')).status?.allowed).toBe(true);
    server.authz.allowOnly([{ resources: ['pods', 'pods/log'], verbs: ['get'] }]);
    const pods = await review('get');
    expect(pods.status?.allowed).toBe(false);
  });

  test('a fault can edit the object between a read and a patch, or fail a request', async () => {
    const read = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    server.faults.inject({
      verb: 'patch',
      resource: 'deployments',
      name: 'api',
      before: () => {
        server.apply({
          ...server.get('Deployment', 'shop', 'api')!,
          metadata: {
            ...server.get('Deployment', 'shop', 'api')!.metadata,
            labels: { app: 'api', edited: 'yes' },
          },
        });
      },
    });
    const body = [
      { op: 'replace', path: '/metadata/resourceVersion', value: read.metadata?.resourceVersion },
      { op: 'add', path: '/metadata/labels/x', value: 'y' },
    ];
    const conflict = await apiError(
      apps.patchNamespacedDeployment({ name: 'api', namespace: 'shop', body }, jsonPatch),
    );
    expect(conflict.code).toBe(409);
    expect(server.get('Deployment', 'shop', 'api')!.metadata?.labels).toEqual({ app: 'api', edited: 'yes' });
    server.faults.inject({
      verb: 'get',
      resource: 'namespaces',
      respond: { code: 500, message: 'etcd is down' },
    });
    const failed = await apiError(core.readNamespace({ name: 'shop' }));
    expect(failed).toMatchObject({ code: 500, status: { message: 'etcd is down' } });
    expect((await core.readNamespace({ name: 'shop' })).metadata?.name).toBe('shop');
  });
});

describe('kubectl cross-check', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kts-kubectl-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('kubectl get / patch see and make the same objects as client-node', async () => {
    // client-go never sends a bearer token over plain http, so kubectl talks to an open server.
    const open = await startKubeTestServer({ requireAuth: false });
    try {
      open.createNamespace('shop');
      open.apply(deployment('api', 'shop'));
      const kubeconfig = join(dir, 'config');
      await writeFile(kubeconfig, open.kubeconfig({ namespace: 'shop' }), { mode: 0o600 });
      const kubectl = (...args: string[]) =>
        run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
          env: { ...process.env, HOME: dir },
        });
      const got = JSON.parse((await kubectl('get', 'deployment', 'api', '-o', 'json')).stdout) as Record<
        string,
        unknown
      >;
      expect(got).toEqual(open.get('Deployment', 'shop', 'api'));
      await kubectl(
        'patch',
        'deployment',
        'api',
        '--type=merge',
        '-p',
        '{"metadata":{"labels":{"team":"checkout"}}}',
      );
      await kubectl(
        'patch',
        'deployment',
        'api',
        '--type=json',
        '-p',
        '[{"op":"add","path":"/spec/template/metadata/annotations","value":{"a":"b"}}]',
      );
      await kubectl(
        'patch',
        'deployment',
        'api',
        '-p',
        '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}',
      );
      const ckc = new k8s.KubeConfig();
      ckc.loadFromString(open.kubeconfig());
      const d = await ckc
        .makeApiClient(k8s.AppsV1Api)
        .readNamespacedDeployment({ name: 'api', namespace: 'shop' });
      expect(d.metadata?.labels).toEqual({ app: 'api', tier: 'web', team: 'checkout' });
      expect(d.spec?.template.metadata?.annotations).toEqual({ a: 'b' });
      expect(d.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['side', 'app']);
      const names = (await kubectl('get', 'pods', '-l', 'app=api', '-o', 'name')).stdout.trim().split('\n');
      expect(names).toHaveLength(2);
      const missing = await kubectl('get', 'deployment', 'nope').catch((e: { stderr: string }) => e);
      expect((missing as { stderr: string }).stderr).toContain('deployments.apps "nope" not found');
    } finally {
      await open.close();
    }
  });
});
