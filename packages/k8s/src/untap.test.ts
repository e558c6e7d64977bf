import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { tap } from './tap.js';
import { startCluster, type TestCluster, userFields, workload } from './test-helpers/cluster.js';
import { untap } from './untap.js';

let c: TestCluster;
const noSleep = async () => {};
const tapOpts = (namespace: string, name: string, session: string) => ({
  namespace,
  selection: { by: 'names' as const, workloads: [{ kind: 'Deployment' as const, name }] },
  session,
  target: 'recv.logtap:3100',
  image: 'ghcr.io/logtap/logtap-forwarder:0.1.0',
  sleep: noSleep,
});

beforeEach(async () => {
  c = await startCluster();
  for (const ns of ['shop', 'search']) {
    c.server.createNamespace(ns);
    c.server.apply(workload('Deployment', 'api-gateway', ns));
    c.server.apply(workload('Deployment', 'worker', ns, { labels: { tier: 'batch' } }));
  }
});
afterEach(async () => {
  await c.close();
});

describe('untap', () => {
  test('by session removes it everywhere in the namespace and nothing else; twice is fine', async () => {
    await tap(c.client, tapOpts('shop', 'api-gateway', 'lt-one'));
    await tap(c.client, tapOpts('shop', 'worker', 'lt-one'));
    await tap(c.client, tapOpts('shop', 'worker', 'lt-two'));
    const res = await untap(c.client, { namespace: 'shop', selection: { by: 'all' }, session: 'lt-one' });
    expect(res.workloads.map((w) => `${w.name}:${w.action}:${w.sessions}`)).toEqual([
      'api-gateway:untapped:lt-one',
      'worker:untapped:lt-one',
    ]);
    expect(c.server.get('Role', 'shop', 'logtap-forwarder-lt-one')).toBeUndefined();
    expect(c.server.get('Role', 'shop', 'logtap-forwarder-lt-two')).toBeDefined();
    expect(JSON.stringify(c.server.get('Deployment', 'shop', 'worker'))).toContain('logtap-forwarder-lt-two');
    const again = await untap(c.client, { namespace: 'shop', selection: { by: 'all' }, session: 'lt-one' });
    expect(again.workloads).toEqual([]);
  });

  test('a dry run shows the diff back to the original and changes nothing', async () => {
    const before = userFields(c.server.get('Deployment', 'shop', 'api-gateway'));
    await tap(c.client, tapOpts('shop', 'api-gateway', 'lt-one'));
    const tapped = userFields(c.server.get('Deployment', 'shop', 'api-gateway'));
    const res = await untap(c.client, {
      namespace: 'shop',
      selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api-gateway' }] },
      dryRun: true,
    });
    expect(res.workloads[0]!.action).toBe('would-untap');
    expect(res.workloads[0]!.diff).toContain('-      name: logtap-forwarder-lt-one');
    expect(userFields(c.server.get('Deployment', 'shop', 'api-gateway'))).toBe(tapped);
    await untap(c.client, {
      namespace: 'shop',
      selection: { by: 'names', workloads: [{ kind: 'Deployment', name: 'api-gateway' }] },
    });
    expect(userFields(c.server.get('Deployment', 'shop', 'api-gateway'))).toBe(before);
  });

  test('--all across namespaces and by selector', async () => {
    await tap(c.client, tapOpts('shop', 'api-gateway', 'lt-one'));
    await tap(c.client, tapOpts('search', 'worker', 'lt-two'));
    const sel = await untap(c.client, {
      namespace: 'search',
      selection: { by: 'selector', selector: 'tier=batch' },
    });
    expect(sel.workloads.map((w) => `${w.namespace}/${w.name}`)).toEqual(['search/worker']);
    await tap(c.client, tapOpts('search', 'worker', 'lt-two'));
    const all = await untap(c.client, { namespace: undefined, selection: { by: 'all' } });
    expect(all.workloads.map((w) => `${w.namespace}/${w.name}`).sort()).toEqual([
      'search/worker',
      'shop/api-gateway',
    ]);
    expect(all.rbac.map((r) => `${r.namespace}/${r.name}`).sort()).toEqual([
      'search/logtap-forwarder-lt-two',
      'shop/logtap-forwarder-lt-one',
    ]);
    expect(c.server.list('Role')).toEqual([]);
  });

  test('a conflict during untap is retried from the live object', async () => {
    await tap(c.client, tapOpts('shop', 'api-gateway', 'lt-one'));
    c.server.faults.inject({
      verb: 'patch',
      resource: 'deployments',
      before: () => {
        const d = c.server.get('Deployment', 'shop', 'api-gateway')!;
        c.server.apply({ ...d, metadata: { ...d.metadata, annotations: { note: 'edited during untap' } } });
      },
    });
    const res = await untap(c.client, { namespace: 'shop', selection: { by: 'all' }, sleep: noSleep });
    expect(res.workloads[0]).toMatchObject({ action: 'untapped', attempts: 2 });
    const d = c.server.get('Deployment', 'shop', 'api-gateway')!;
    expect(d.metadata!.annotations).toEqual({ note: 'edited during untap' });
    expect(JSON.stringify(d.spec)).not.toContain('logtap');
  });

  test('RBAC left by an interrupted tap is removed by untap --session', async () => {
    c.server.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {
        name: 'logtap-forwarder-lt-dead',
        namespace: 'shop',
        labels: { 'app.kubernetes.io/managed-by': 'logtap', 'logtap.dev/session': 'lt-dead' },
      },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
    const res = await untap(c.client, { namespace: 'shop', selection: { by: 'all' }, session: 'lt-dead' });
    expect(res.rbac).toEqual([
      {
        namespace: 'shop',
        session: 'lt-dead',
        name: 'logtap-forwarder-lt-dead',
        change: { role: 'deleted', roleBinding: 'absent', subjects: [] },
      },
    ]);
  });
});
