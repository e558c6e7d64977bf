import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  ConflictError,
  NamespaceUnreadableError,
  NotFoundError,
  NoWorkloadsError,
  ProductionNamespaceError,
  SelfTapError,
  TapPartialFailureError,
} from './errors.js';
import { type TapOptions, tap } from './tap.js';
import { startCluster, type TestCluster, userFields, workload } from './test-helpers/cluster.js';
import { untap } from './untap.js';

const IMAGE = 'ghcr.io/logtap/logtap-forwarder:0.1.0';
const noSleep = async () => {};
let c: TestCluster;

const opts = (over: Partial<TapOptions> = {}): TapOptions => ({
  namespace: 'shop',
  selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api' }] },
  session: 'lt-aaaa',
  target: 'logtap-receiver.logtap:3100',
  image: IMAGE,
  sleep: noSleep,
  ...over,
});

beforeEach(async () => {
  c = await startCluster();
  c.server.createNamespace('shop', { env: 'staging' }, { 'linkerd.io/inject': 'enabled' });
  c.server.apply(
    workload('Deployment', 'api', 'shop', {
      annotations: { 'config.linkerd.io/skip-outbound-ports': '5432', team: 'payments' },
    }),
  );
  c.server.apply(
    workload('StatefulSet', 'db', 'shop', {
      podSpec: { automountServiceAccountToken: false, serviceAccountName: 'db' },
    }),
  );
  c.server.apply(workload('DaemonSet', 'agent', 'shop', { labels: { tier: 'infra' } }));
});
afterEach(async () => {
  await c.close();
});

const writes = () =>
  c.server.requests.filter((r) => r.method !== 'GET' && r.resource !== 'selfsubjectaccessreviews');

describe('tap then untap through @kubernetes/client-node', () => {
  test('every kind returns to exactly what it was (apart from server-managed fields), RBAC created then removed', async () => {
    const before = ['Deployment/api', 'StatefulSet/db', 'DaemonSet/agent'].map((k) => {
      const [kind, name] = k.split('/') as [string, string];
      return userFields(c.server.get(kind, 'shop', name));
    });
    const res = await tap(c.client, opts({ selection: { by: 'all' }, force: true }));
    // The --json contract of `logtap tap`.
    expect(Object.keys(res).sort()).toEqual([
      'dryRun',
      'image',
      'namespace',
      'production',
      'quota',
      'rbac',
      'rollout',
      'session',
      'target',
      'warnings',
      'workloads',
    ]);
    expect(Object.keys(res.workloads[0]!).sort()).toEqual([
      'action',
      'attempts',
      'diff',
      'kind',
      'name',
      'namespace',
      'replicas',
      'serviceAccount',
      'warnings',
    ]);
    expect(res.workloads.map((w) => `${w.kind}/${w.name}:${w.action}`).sort()).toEqual([
      'DaemonSet/agent:tapped',
      'Deployment/api:tapped',
      'StatefulSet/db:tapped',
    ]);
    const api = c.server.get('Deployment', 'shop', 'api')!;
    const tmpl = (
      api.spec as {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: { name: string }[] };
        };
      }
    ).template;
    expect(tmpl.spec.containers.map((x) => x.name)).toEqual(['app', 'logtap-forwarder-lt-aaaa']);
    // Namespace-level Linkerd injection: the target port joins the user's own list.
    expect(tmpl.metadata.annotations['config.linkerd.io/skip-outbound-ports']).toBe('5432,3100');
    const role = c.server.get('Role', 'shop', 'logtap-forwarder-lt-aaaa')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get'] }]);
    const binding = c.server.get('RoleBinding', 'shop', 'logtap-forwarder-lt-aaaa')!;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'db', namespace: 'shop' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'shop' },
    ]);
    // Only guarded JSON patches: never a PUT of a workload.
    const workloadWrites = writes().filter((r) =>
      ['deployments', 'statefulsets', 'daemonsets'].includes(r.resource),
    );
    expect(
      workloadWrites.every(
        (r) => r.method === 'PATCH' && r.contentType.startsWith('application/json-patch+json'),
      ),
    ).toBe(true);

    const un = await untap(c.client, { namespace: 'shop', selection: { by: 'all' }, sleep: noSleep });
    expect(Object.keys(un).sort()).toEqual(['dryRun', 'rbac', 'warnings', 'workloads']);
    expect(un.workloads.map((w) => w.action)).toEqual(['untapped', 'untapped', 'untapped']);
    expect(un.rbac.map((r) => r.change)).toEqual([{ role: 'deleted', roleBinding: 'deleted', subjects: [] }]);
    const after = ['Deployment/api', 'StatefulSet/db', 'DaemonSet/agent'].map((k) => {
      const [kind, name] = k.split('/') as [string, string];
      return userFields(c.server.get(kind, 'shop', name));
    });
    expect(after).toEqual(before);
    expect(c.server.list('Role', 'shop')).toEqual([]);
    expect(c.server.list('RoleBinding', 'shop')).toEqual([]);
    const again = await untap(c.client, {
      namespace: 'shop',
      selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api' }] },
    });
    expect(again.workloads.map((w) => w.action)).toEqual(['not-tapped']);
  });

  test('a concurrent edit between read and patch: 409, re-read, retry; the other writer’s change survives', async () => {
    c.server.faults.inject({
      verb: 'patch',
      resource: 'deployments',
      name: 'api',
      before: () => {
        const d = c.server.get('Deployment', 'shop', 'api')!;
        c.server.apply({
          ...d,
          spec: { ...(d.spec as object), replicas: 5 },
          metadata: { ...d.metadata, labels: { ...d.metadata!.labels, scaled: 'by-hpa' } },
        });
      },
    });
    const res = await tap(c.client, opts());
    expect(res.workloads[0]).toMatchObject({ action: 'tapped', attempts: 2 });
    const d = c.server.get('Deployment', 'shop', 'api')!;
    expect((d.spec as { replicas: number }).replicas).toBe(5);
    expect(d.metadata!.labels!.scaled).toBe('by-hpa');
    expect(
      c.server.requests
        .filter((r) => r.method === 'PATCH' && r.resource === 'deployments')
        .map((r) => r.status),
    ).toEqual([409, 200]);
  });

  test('conflicts that never stop end in ConflictError after the retry budget, with nothing left behind', async () => {
    c.server.faults.inject({
      verb: 'patch',
      resource: 'deployments',
      times: Number.POSITIVE_INFINITY,
      before: () => {
        const d = c.server.get('Deployment', 'shop', 'api')!;
        c.server.apply({
          ...d,
          metadata: {
            ...d.metadata,
            labels: { ...d.metadata!.labels, n: String(Math.random()).slice(2, 8) },
          },
        });
      },
    });
    await expect(tap(c.client, opts({ maxRetries: 2 }))).rejects.toBeInstanceOf(ConflictError);
    expect(JSON.stringify(c.server.get('Deployment', 'shop', 'api')!.spec)).not.toContain('logtap');
    expect(c.server.list('Role', 'shop')).toEqual([]);
  });

  test('partial failure rolls back what was tapped from the live objects and removes the RBAC', async () => {
    c.server.apply(workload('Deployment', 'web', 'shop'));
    const apiBefore = userFields(c.server.get('Deployment', 'shop', 'api'));
    c.server.faults.inject({
      verb: 'patch',
      resource: 'deployments',
      name: 'web',
      before: () => {
        // Someone edits an already-tapped workload before the failure: the rollback must re-read it.
        const d = c.server.get('Deployment', 'shop', 'api')!;
        c.server.apply({
          ...d,
          metadata: { ...d.metadata, labels: { ...d.metadata!.labels, edited: 'yes' } },
        });
      },
      respond: { code: 500, message: 'admission webhook "policy.example.com" denied the request' },
    });
    const sel = {
      by: 'names' as const,
      workloads: [
        { kind: 'Deployment' as const, name: 'api' },
        { kind: 'StatefulSet' as const, name: 'db' },
        { kind: 'Deployment' as const, name: 'web' },
      ],
    };
    const err = (await tap(c.client, opts({ selection: sel })).catch(
      (e: unknown) => e,
    )) as TapPartialFailureError;
    expect(err).toBeInstanceOf(TapPartialFailureError);
    expect(err.code).toBe('K8S_TAP_PARTIAL_FAILURE');
    expect(err.failed).toBe('deployment/web');
    expect(err.rolledBack).toEqual(['statefulset/db', 'deployment/api']);
    expect(err.rollbackFailures).toEqual([]);
    expect(err.message).toContain('admission webhook');
    const api = c.server.get('Deployment', 'shop', 'api')!;
    expect(JSON.stringify(api.spec)).not.toContain('logtap');
    expect(api.metadata!.labels!.edited).toBe('yes');
    expect(userFields(api)).toBe(apiBefore.replace('"app":"api"}', '"app":"api","edited":"yes"}'));
    expect(JSON.stringify(c.server.get('StatefulSet', 'shop', 'db')!.spec)).not.toContain('logtap');
    expect(c.server.list('Role', 'shop')).toEqual([]);
    expect(c.server.list('RoleBinding', 'shop')).toEqual([]);
  });

  test('a single workload that fails leaves no RBAC behind and throws the API error', async () => {
    c.server.faults.inject({
      verb: 'patch',
      resource: 'deployments',
      respond: { code: 422, reason: 'Invalid', message: 'denied' },
    });
    await expect(tap(c.client, opts())).rejects.toMatchObject({ code: 'K8S_API_ERROR', status: 422 });
    expect(c.server.list('Role', 'shop')).toEqual([]);
  });

  test('RBAC that cannot be completed is cleaned up and nothing is patched', async () => {
    c.server.authz.deny({ verbs: ['create'], resources: ['rolebindings'] });
    await expect(tap(c.client, opts())).rejects.toMatchObject({ code: 'K8S_FORBIDDEN' });
    expect(c.server.list('Role', 'shop')).toEqual([]);
    expect(JSON.stringify(c.server.get('Deployment', 'shop', 'api')!.spec)).not.toContain('logtap');
  });

  test('a workload named twice is tapped once; a paused Deployment gets a warning', async () => {
    const d = c.server.get('Deployment', 'shop', 'api')!;
    c.server.apply({ ...d, spec: { ...(d.spec as object), paused: true } });
    const res = await tap(
      c.client,
      opts({
        selection: {
          by: 'names',
          workloads: [
            { kind: 'Deployment', name: 'api' },
            { kind: 'Deployment', name: 'api' },
          ],
        },
      }),
    );
    expect(res.workloads).toHaveLength(1);
    expect(res.workloads[0]!.warnings).toContain(
      'the Deployment is paused: its pods get the forwarder when it is resumed',
    );
  });

  test('two sessions on one workload coexist; untapping one leaves the other and its RBAC', async () => {
    const original = userFields(c.server.get('Deployment', 'shop', 'api'));
    await tap(c.client, opts({ session: 'lt-aaaa', target: 'recv-a.logtap:3100' }));
    await tap(c.client, opts({ session: 'lt-bbbb', target: 'http://recv-b.logtap:4000' }));
    const both = c.server.get('Deployment', 'shop', 'api')!;
    expect(JSON.stringify(both)).toContain('logtap-forwarder-lt-aaaa');
    expect(JSON.stringify(both)).toContain('logtap-forwarder-lt-bbbb');
    await untap(c.client, {
      namespace: 'shop',
      selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api' }] },
      session: 'lt-aaaa',
    });
    const onlyB = c.server.get('Deployment', 'shop', 'api')!;
    const t = (
      onlyB.spec as {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: { containers: { name: string }[] };
        };
      }
    ).template;
    expect(t.spec.containers.map((x) => x.name)).toEqual(['app', 'logtap-forwarder-lt-bbbb']);
    expect(t.metadata.annotations['logtap.dev/tapped']).toBe('lt-bbbb');
    expect(t.metadata.annotations['config.linkerd.io/skip-outbound-ports']).toBe('5432,4000');
    expect(c.server.get('Role', 'shop', 'logtap-forwarder-lt-aaaa')).toBeUndefined();
    expect(c.server.get('Role', 'shop', 'logtap-forwarder-lt-bbbb')).toBeDefined();
    await untap(c.client, {
      namespace: 'shop',
      selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api' }] },
    });
    expect(userFields(c.server.get('Deployment', 'shop', 'api'))).toBe(original);
    expect(c.server.list('Role', 'shop')).toEqual([]);
  });

  test('dry run computes a unified diff of the pod template and writes nothing', async () => {
    const res = await tap(c.client, opts({ dryRun: true, selection: { by: 'all' } }));
    expect(writes()).toEqual([]);
    expect(res.rbac.change).toBe('would-create');
    const diff = res.workloads.find((w) => w.name === 'api')!.diff;
    expect(diff).toContain('--- a/deployment/api pod template');
    expect(diff).toContain('+++ b/deployment/api pod template');
    expect(diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(diff).toContain('+      name: logtap-forwarder-lt-aaaa');
    expect(diff).toContain('-    config.linkerd.io/skip-outbound-ports: "5432"');
    expect(diff).toContain('+    config.linkerd.io/skip-outbound-ports: 5432,3100');
  });

  test('--all needs force unless dry run; selectors pick workloads; nothing matching is an error', async () => {
    await expect(tap(c.client, opts({ selection: { by: 'all' } }))).rejects.toMatchObject({
      code: 'K8S_INVALID_OPTION',
      option: '--all',
    });
    const res = await tap(c.client, opts({ selection: { by: 'selector', selector: 'tier=infra' } }));
    expect(res.workloads.map((w) => `${w.kind}/${w.name}`)).toEqual(['DaemonSet/agent']);
    await expect(
      tap(c.client, opts({ selection: { by: 'selector', selector: 'app=none' } })),
    ).rejects.toBeInstanceOf(NoWorkloadsError);
    await expect(
      tap(c.client, opts({ selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'nope' }] } })),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  test("never taps logtap's own receiver", async () => {
    c.server.apply(
      workload('Deployment', 'logtap-receiver', 'shop', {
        labels: { 'app.kubernetes.io/managed-by': 'logtap' },
      }),
    );
    await expect(
      tap(
        c.client,
        opts({ selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'logtap-receiver' }] } }),
      ),
    ).rejects.toBeInstanceOf(SelfTapError);
    const res = await tap(c.client, opts({ selection: { by: 'all' }, force: true }));
    expect(res.workloads.find((w) => w.name === 'logtap-receiver')).toMatchObject({ action: 'skipped' });
    expect(JSON.stringify(c.server.get('Deployment', 'shop', 'logtap-receiver'))).not.toContain(
      'logtap-forwarder',
    );
  });
});

describe('production guard (fail-closed)', () => {
  test('a namespace labelled production is refused without allowProd and tapped with it', async () => {
    c.server.createNamespace('payments', { environment: 'production' });
    c.server.apply(workload('Deployment', 'api', 'payments'));
    const err = await tap(c.client, opts({ namespace: 'payments' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProductionNamespaceError);
    expect((err as Error).message).toContain('label environment=production');
    expect(writes()).toEqual([]);
    const ok = await tap(c.client, opts({ namespace: 'payments', allowProd: true }));
    expect(ok.production.production).toBe(true);
    expect(ok.warnings[0]).toContain('proceeding because of --allow-prod');
  });

  test('a production name is refused', async () => {
    c.server.createNamespace('shop-prd');
    c.server.apply(workload('Deployment', 'api', 'shop-prd'));
    await expect(tap(c.client, opts({ namespace: 'shop-prd' }))).rejects.toBeInstanceOf(
      ProductionNamespaceError,
    );
  });

  test('a namespace that cannot be read is refused unless allowProd (forbidden and server errors alike)', async () => {
    const undo = c.server.authz.deny({ verbs: ['get'], resources: ['namespaces'], names: ['shop'] });
    const err = await tap(c.client, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NamespaceUnreadableError);
    expect((err as Error).message).toContain('fail-closed');
    expect(writes()).toEqual([]);
    const ok = await tap(c.client, opts({ allowProd: true }));
    expect(ok.workloads[0]!.action).toBe('tapped');
    expect(ok.warnings[0]).toContain('could not be read');
    undo();
    c.server.faults.inject({
      verb: 'get',
      resource: 'namespaces',
      respond: { code: 503, reason: 'ServiceUnavailable', message: 'etcd leader changed' },
    });
    await expect(tap(c.client, opts({ session: 'lt-cccc' }))).rejects.toBeInstanceOf(
      NamespaceUnreadableError,
    );
  });
});

describe('wait for rollout', () => {
  test('reports each rollout, and one whose forwarder never becomes ready as not done at the timeout', async () => {
    const ok = await tap(c.client, opts({ wait: { timeoutMs: 5000, pollMs: 10 } }));
    expect(ok.rollout).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'api', done: true })]);
    c.server.controllers.notReadyImages.add('bad/forwarder:1');
    let t = 0;
    const res = await tap(c.client, {
      ...opts({ session: 'lt-bbbb', image: 'bad/forwarder:1', wait: { timeoutMs: 3000, pollMs: 1000 } }),
      sleep: async (ms) => {
        t += ms;
      },
      now: () => t,
    });
    expect(t).toBe(3000);
    expect(res.rollout![0]).toMatchObject({ done: false });
    expect(res.rollout![0]!.message).toContain('updated replicas are available');
  });
});
