import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { check } from './check.js';
import { status } from './status.js';
import { tap } from './tap.js';
import { startCluster, type TestCluster, workload } from './test-helpers/cluster.js';

let c: TestCluster;
beforeEach(async () => {
  c = await startCluster();
  c.server.createNamespace('shop');
  c.server.createNamespace('logtap');
  c.server.apply(workload('Deployment', 'api', 'shop', { replicas: 3 }));
  c.server.apply(workload('Deployment', 'web', 'shop'));
});
afterEach(async () => {
  await c.close();
});

const tapApi = (session: string, target: string, image = 'ghcr.io/logtap/logtap-forwarder:0.1.0') =>
  tap(c.client, {
    namespace: 'shop',
    selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api' }] },
    session,
    target,
    image,
  });

describe('check', () => {
  test('a clean cluster: version, every permission allowed, candidates with sidecar cost, no leftovers', async () => {
    const r = await check(c.client, { namespace: 'shop' });
    expect(r.cluster).toMatchObject({
      context: 'logtap-test',
      namespace: 'shop',
      version: 'v1.32.0-logtap-testserver',
    });
    expect(r.permissions.length).toBeGreaterThan(20);
    expect(r.permissions.every((p) => p.allowed)).toBe(true);
    expect(r.problems).toEqual({ missingPermissions: 0, leftovers: 0 });
    // The --json contract of `logtap check`.
    expect(Object.keys(r).sort()).toEqual([
      'candidates',
      'cluster',
      'leftovers',
      'permissions',
      'problems',
      'quota',
      'warnings',
    ]);
    expect(Object.keys(r.leftovers).sort()).toEqual([
      'orphanedRbac',
      'receivers',
      'scope',
      'staleAnnotations',
      'tapped',
    ]);
    expect(Object.keys(r.permissions[0]!).sort()).toEqual([
      'allowed',
      'group',
      'namespace',
      'neededBy',
      'reason',
      'resource',
      'verb',
    ]);
    expect(r.candidates).toEqual([
      {
        kind: 'Deployment',
        name: 'api',
        namespace: 'shop',
        replicas: 3,
        sidecarCpu: '75m',
        sidecarMemory: '384Mi',
      },
      {
        kind: 'Deployment',
        name: 'web',
        namespace: 'shop',
        replicas: 2,
        sidecarCpu: '50m',
        sidecarMemory: '256Mi',
      },
    ]);
  });

  test('missing permissions, quota headroom and every kind of leftover are found', async () => {
    c.server.authz.deny({ verbs: ['create'], resources: ['rolebindings'] });
    c.server.authz.deny({ verbs: ['create'], resources: ['pods/portforward'] });
    c.server.apply({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute', namespace: 'shop' },
      spec: { hard: { 'requests.memory': '1Gi', 'limits.cpu': '2' } },
      status: {
        hard: { 'requests.memory': '1Gi', 'limits.cpu': '2' },
        used: { 'requests.memory': '1000Mi', 'limits.cpu': '500m' },
      },
    });
    c.server.authz.reset();
    c.server.authz.deny({ verbs: ['create'], resources: ['rolebindings'] });
    c.server.authz.deny({ verbs: ['create'], resources: ['pods/portforward'] });
    c.server.apply(
      workload('Deployment', 'stale', 'shop', {
        annotations: { 'logtap.dev/tapped': 'lt-old', 'logtap.dev/target': 'http://x:1' },
      }),
    );
    c.server.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: 'logtap-forwarder-lt-old',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/managed-by': 'logtap', 'logtap.dev/session': 'lt-old' },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'logtap-forwarder-lt-old' },
      subjects: [],
    });
    c.server.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'logtap-receiver',
        namespace: 'logtap',
        labels: { 'app.kubernetes.io/managed-by': 'logtap', 'app.kubernetes.io/name': 'logtap-receiver' },
      },
      spec: { containers: [{ name: 'receiver', image: 'ghcr.io/logtap/logtap:0.1.0' }] },
    });
    const r = await check(c.client, { namespace: 'shop' });
    expect(
      r.permissions.filter((p) => !p.allowed).map((p) => `${p.verb} ${p.resource} ${p.neededBy.join('|')}`),
    ).toEqual(['create rolebindings tap|untap', 'create pods/portforward recv --in-cluster']);
    expect(r.quota.find((q) => q.resource === 'requests.memory')).toMatchObject({
      fits: false,
      needed: '640Mi',
      used: '1000Mi',
    });
    expect(r.quota.find((q) => q.resource === 'limits.cpu')).toMatchObject({ fits: true, needed: '250m' });
    expect(r.leftovers.staleAnnotations).toEqual([
      { kind: 'Deployment', name: 'stale', namespace: 'shop', sessions: ['lt-old'] },
    ]);
    expect(r.leftovers.orphanedRbac).toEqual([
      { kind: 'RoleBinding', name: 'logtap-forwarder-lt-old', namespace: 'shop', session: 'lt-old' },
    ]);
    expect(r.leftovers.receivers).toEqual([
      { kind: 'Pod', name: 'logtap-receiver', namespace: 'logtap', ageSeconds: expect.any(Number) },
    ]);
    expect(r.problems).toEqual({ missingPermissions: 2, leftovers: 3 });
  });

  test('an active tap counts as a leftover (check after untap proves the cluster is clean)', async () => {
    await tapApi('lt-live', 'recv.logtap:3100');
    const r = await check(c.client, { namespace: 'shop' });
    expect(r.leftovers.tapped).toEqual([
      {
        kind: 'Deployment',
        name: 'api',
        namespace: 'shop',
        sessions: ['lt-live'],
        target: 'http://recv.logtap:3100',
      },
    ]);
    expect(r.leftovers.orphanedRbac).toEqual([]);
    expect(r.candidates.map((x) => x.name)).toEqual(['web']);
  });

  test('without cluster-wide list rights, leftovers are searched in the namespace only', async () => {
    c.server.authz.deny({ verbs: ['list'], namespaces: [''] });
    const r = await check(c.client, { namespace: 'shop' });
    expect(r.leftovers.scope).toBe('shop');
    expect(r.warnings[0]).toContain('only looked for in namespace shop');
  });
});

describe('status', () => {
  test('tapped workloads, sessions, pods forwarding and the receiver counters from /metrics', async () => {
    const metrics = createServer((req, res) => {
      res.end(
        req.url === '/metrics'
          ? 'logtap_lines_received_total 1000\nlogtap_lines_dropped_total{reason="queue_full"} 7\nlogtap_disk_usage_bytes 4096\n'
          : '',
      );
    });
    await new Promise<void>((r) => metrics.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(metrics.address() as AddressInfo).port}`;
    try {
      await tapApi('lt-good', target);
      c.server.controllers.notReadyImages.add('broken/forwarder:0');
      await tapApi('lt-bad', 'unreachable.invalid:3100', 'broken/forwarder:0');
      const r = await status(c.client, { namespace: 'shop', probe: { timeoutMs: 1500 } });
      expect(r.workloads).toEqual([
        {
          kind: 'Deployment',
          name: 'api',
          namespace: 'shop',
          pods: 3,
          stale: [],
          sessions: [
            { session: 'lt-good', target, forwarding: 3, total: 3 },
            { session: 'lt-bad', target: 'http://unreachable.invalid:3100', forwarding: 0, total: 3 },
          ],
        },
      ]);
      expect(
        r.sessions.map((s) => `${s.session} ${s.forwarding}/${s.total} rbac=${s.rbac[0]!.present}`),
      ).toEqual(['lt-good 3/3 rbac=true', 'lt-bad 0/3 rbac=true']);
      // The --json contract of `logtap status`.
      expect(Object.keys(r).sort()).toEqual(['namespace', 'receivers', 'sessions', 'workloads']);
      expect(Object.keys(r.sessions[0]!).sort()).toEqual([
        'forwarding',
        'namespaces',
        'rbac',
        'session',
        'targets',
        'total',
        'workloads',
      ]);
      const good = r.receivers.find((x) => x.target === target)!;
      expect(Object.keys(good).sort()).toEqual(['counters', 'ok', 'target', 'url']);
      expect(good.counters).toEqual({
        linesReceived: 1000,
        linesDropped: 7,
        droppedByReason: { queue_full: 7 },
        diskUsageBytes: 4096,
      });
      const bad = r.receivers.find((x) => x.target !== target)!;
      expect(bad.ok).toBe(false);
      const only = await status(c.client, {
        namespace: undefined,
        session: 'lt-good',
        probeReceivers: false,
      });
      expect(only.workloads[0]!.sessions.map((s) => s.session)).toEqual(['lt-good']);
      expect(only.receivers).toEqual([]);
    } finally {
      await new Promise((r) => metrics.close(r));
    }
  });

  test('pods are counted with the full selector, matchExpressions included', async () => {
    const w = workload('Deployment', 'cart', 'shop');
    const spec = w.spec as {
      selector: Record<string, unknown>;
      template: { metadata: { labels: Record<string, string> } };
    };
    spec.selector = {
      matchLabels: { app: 'cart' },
      matchExpressions: [{ key: 'track', operator: 'In', values: ['stable'] }],
    };
    spec.template.metadata.labels.track = 'stable';
    c.server.apply(w);
    c.server.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cart-canary', namespace: 'shop', labels: { app: 'cart', track: 'canary' } },
      spec: { containers: [{ name: 'app', image: 'cart:2' }] },
    });
    await tap(c.client, {
      namespace: 'shop',
      selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'cart' }] },
      session: 'lt-x',
      target: 'r:1',
      image: 'f:1',
    });
    const r = await status(c.client, { namespace: 'shop', probeReceivers: false });
    expect(r.workloads[0]!.sessions[0]).toMatchObject({ forwarding: 2, total: 2 });
  });
});
