import type { KubeClient, Workload } from './client.js';
import { toPlain } from './client.js';
import {
  DEFAULT_SIDECAR_CPU,
  DEFAULT_SIDECAR_MEMORY,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  NAME_LABEL,
  RECEIVER_NAME,
  SESSION_LABEL,
  type WorkloadKind,
} from './constants.js';
import { ForbiddenError } from './errors.js';
import { isLogtapOwned } from './ops.js';
import { type JsonObject, readTapState } from './patch.js';
import { formatQuantity, parseQuantity, times } from './quantity.js';
import { type QuotaLine, quotaHeadroom } from './quota.js';

export interface CheckOptions {
  namespace: string;
  /** Namespace of the in-cluster receiver (`recv --in-cluster`), default `logtap`. */
  receiverNamespace?: string;
  sidecar?: { cpu: string; memory: string };
  /** Look for leftovers in every namespace (default true; falls back to `namespace` if not allowed). */
  allNamespaces?: boolean;
  now?: () => Date;
}

export interface PermissionCheck {
  verb: string;
  group: string;
  resource: string;
  namespace: string | null;
  allowed: boolean;
  reason?: string;
  neededBy: string[];
}

export interface Leftovers {
  scope: string;
  tapped: {
    kind: WorkloadKind;
    name: string;
    namespace: string;
    sessions: string[];
    target: string | undefined;
  }[];
  staleAnnotations: { kind: WorkloadKind; name: string; namespace: string; sessions: string[] }[];
  orphanedRbac: { kind: 'Role' | 'RoleBinding'; name: string; namespace: string; session: string }[];
  receivers: {
    kind: 'Pod' | 'Service' | 'Deployment';
    name: string;
    namespace: string;
    ageSeconds: number | null;
  }[];
}

export interface CheckReport {
  cluster: {
    context: string;
    server: string;
    namespace: string;
    version: string | null;
    platform: string | null;
  };
  permissions: PermissionCheck[];
  quota: QuotaLine[];
  leftovers: Leftovers;
  candidates: {
    kind: WorkloadKind;
    name: string;
    namespace: string;
    replicas: number;
    sidecarCpu: string;
    sidecarMemory: string;
  }[];
  problems: { missingPermissions: number; leftovers: number };
  warnings: string[];
}

interface Need {
  verb: string;
  group: string;
  resource: string;
  scope: 'ns' | 'receiver' | 'cluster';
  by: string[];
}

const TAP = ['tap', 'untap'];
/** Every API permission the cluster commands use (and why), checked with SelfSubjectAccessReview. */
export const REQUIRED_PERMISSIONS: readonly Need[] = [
  { verb: 'get', group: '', resource: 'namespaces', scope: 'ns', by: ['tap (production guard)'] },
  ...(['deployments', 'statefulsets', 'daemonsets'] as const).flatMap((resource) => [
    { verb: 'get', group: 'apps', resource, scope: 'ns' as const, by: [...TAP, 'status'] },
    { verb: 'list', group: 'apps', resource, scope: 'ns' as const, by: [...TAP, 'status', 'check'] },
    { verb: 'patch', group: 'apps', resource, scope: 'ns' as const, by: TAP },
  ]),
  { verb: 'get', group: '', resource: 'serviceaccounts', scope: 'ns', by: ['tap'] },
  { verb: 'list', group: '', resource: 'resourcequotas', scope: 'ns', by: ['tap', 'check'] },
  { verb: 'list', group: '', resource: 'pods', scope: 'ns', by: ['status', 'tap --wait'] },
  // Granting get on pods and pods/log in a RoleBinding requires holding them (RBAC escalation check).
  { verb: 'get', group: '', resource: 'pods', scope: 'ns', by: ['tap (RBAC grant)'] },
  { verb: 'get', group: '', resource: 'pods/log', scope: 'ns', by: ['tap (RBAC grant)'] },
  ...(['roles', 'rolebindings'] as const).flatMap((resource) =>
    ['get', 'create', 'patch', 'delete'].map((verb) => ({
      verb,
      group: 'rbac.authorization.k8s.io',
      resource,
      scope: 'ns' as const,
      by: TAP,
    })),
  ),
  // recv --in-cluster: a Pod + Service (+ the namespace when missing), port-forward, exec for stop and copy-back.
  ...['get', 'create', 'delete'].map((verb) => ({
    verb,
    group: '',
    resource: 'namespaces',
    scope: 'cluster' as const,
    by: ['recv --in-cluster'],
  })),
  ...['create', 'get', 'delete'].flatMap((verb) => [
    { verb, group: '', resource: 'pods', scope: 'receiver' as const, by: ['recv --in-cluster'] },
    { verb, group: '', resource: 'services', scope: 'receiver' as const, by: ['recv --in-cluster'] },
  ]),
  { verb: 'list', group: '', resource: 'pods', scope: 'receiver', by: ['recv --in-cluster'] },
  { verb: 'create', group: '', resource: 'pods/portforward', scope: 'receiver', by: ['recv --in-cluster'] },
  { verb: 'create', group: '', resource: 'pods/exec', scope: 'receiver', by: ['recv --in-cluster'] },
];

async function checkPermissions(
  client: KubeClient,
  namespace: string,
  receiverNs: string,
): Promise<PermissionCheck[]> {
  return Promise.all(
    REQUIRED_PERMISSIONS.map(async (n) => {
      const [resource, subresource] = n.resource.split('/') as [string, string | undefined];
      const ns = n.scope === 'ns' ? namespace : n.scope === 'receiver' ? receiverNs : null;
      const attrs: Record<string, string> = { verb: n.verb, group: n.group, resource };
      if (subresource) attrs.subresource = subresource;
      if (ns) attrs.namespace = ns;
      const base = { verb: n.verb, group: n.group, resource: n.resource, namespace: ns, neededBy: n.by };
      try {
        const review = await client.call(`create selfsubjectaccessreview (${n.verb} ${n.resource})`, () =>
          client.authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attrs } } }),
        );
        const st = review.status;
        return { ...base, allowed: Boolean(st?.allowed), ...(st?.reason ? { reason: st.reason } : {}) };
      } catch (err) {
        return { ...base, allowed: false, reason: `could not ask: ${(err as Error).message}` };
      }
    }),
  );
}

const ageOf = (o: JsonObject, now: Date): number | null => {
  const ts = (o.metadata as JsonObject | undefined)?.creationTimestamp;
  if (!ts) return null;
  const t = new Date(String(ts)).getTime();
  return Number.isNaN(t) ? null : Math.max(0, Math.round((now.getTime() - t) / 1000));
};

/**
 * The cluster doctor: server version and context; every permission tap, untap, status and the in-cluster
 * receiver need (SelfSubjectAccessReview); ResourceQuota headroom for sidecars on the candidates;
 * leftovers in every namespace (tapped workloads, stale annotations, RBAC whose session no workload
 * carries, receivers labelled managed-by=logtap); and the workloads that could be tapped.
 */
export async function check(client: KubeClient, opts: CheckOptions): Promise<CheckReport> {
  const now = opts.now?.() ?? new Date();
  const ns = opts.namespace;
  const sidecar = opts.sidecar ?? { cpu: DEFAULT_SIDECAR_CPU, memory: DEFAULT_SIDECAR_MEMORY };
  const warnings: string[] = [];
  const v = await client.version();
  const conn = client.connection;
  const permissions = await checkPermissions(client, ns, opts.receiverNamespace ?? 'logtap');

  let scope: string | undefined = opts.allNamespaces === false ? ns : undefined;
  let workloads: Workload[];
  try {
    workloads = await client.listWorkloads(scope);
  } catch (err) {
    if (!(err instanceof ForbiddenError) || scope !== undefined) throw err;
    warnings.push(
      `cannot list workloads in all namespaces (forbidden); leftovers are only looked for in namespace ${ns}`,
    );
    scope = ns;
    workloads = await client.listWorkloads(ns);
  }
  const leftovers: Leftovers = {
    scope: scope ?? 'all namespaces',
    tapped: [],
    staleAnnotations: [],
    orphanedRbac: [],
    receivers: [],
  };
  const sessionsByNs = new Map<string, Set<string>>();
  for (const w of workloads) {
    const st = readTapState(w.template);
    if (st.withContainer.length > 0) {
      leftovers.tapped.push({
        kind: w.kind,
        name: w.name,
        namespace: w.namespace,
        sessions: st.withContainer,
        target: st.target,
      });
      const set = sessionsByNs.get(w.namespace) ?? new Set<string>();
      for (const s of st.withContainer) set.add(s);
      sessionsByNs.set(w.namespace, set);
    }
    if (st.stale.length > 0)
      leftovers.staleAnnotations.push({
        kind: w.kind,
        name: w.name,
        namespace: w.namespace,
        sessions: st.stale,
      });
  }
  const managed = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
  try {
    const roles = scope
      ? await client.call('list roles', () =>
          client.rbac.listNamespacedRole({ namespace: scope!, labelSelector: managed }),
        )
      : await client.call('list roles', () =>
          client.rbac.listRoleForAllNamespaces({ labelSelector: managed }),
        );
    const bindings = scope
      ? await client.call('list rolebindings', () =>
          client.rbac.listNamespacedRoleBinding({ namespace: scope!, labelSelector: managed }),
        )
      : await client.call('list rolebindings', () =>
          client.rbac.listRoleBindingForAllNamespaces({ labelSelector: managed }),
        );
    for (const [kind, list] of [
      ['Role', roles.items],
      ['RoleBinding', bindings.items],
    ] as const) {
      for (const item of list) {
        const m = toPlain<JsonObject>(item).metadata as {
          name: string;
          namespace: string;
          labels?: Record<string, string>;
        };
        const session = m.labels?.[SESSION_LABEL] ?? '';
        if (!sessionsByNs.get(m.namespace)?.has(session))
          leftovers.orphanedRbac.push({ kind, name: m.name, namespace: m.namespace, session });
      }
    }
  } catch (err) {
    warnings.push(`could not list logtap RBAC objects (${(err as Error).message})`);
  }
  const receiverSel = `${managed},${NAME_LABEL}=${RECEIVER_NAME}`;
  try {
    const q = { labelSelector: receiverSel };
    const lists: [Leftovers['receivers'][number]['kind'], () => Promise<{ items: unknown[] }>][] = scope
      ? [
          ['Deployment', () => client.apps.listNamespacedDeployment({ namespace: scope!, ...q })],
          ['Pod', () => client.core.listNamespacedPod({ namespace: scope!, ...q })],
          ['Service', () => client.core.listNamespacedService({ namespace: scope!, ...q })],
        ]
      : [
          ['Deployment', () => client.apps.listDeploymentForAllNamespaces(q)],
          ['Pod', () => client.core.listPodForAllNamespaces(q)],
          ['Service', () => client.core.listServiceForAllNamespaces(q)],
        ];
    for (const [kind, list] of lists) {
      for (const item of (await client.call(`list ${kind.toLowerCase()}s`, list)).items) {
        const o = toPlain<JsonObject>(item);
        const m = o.metadata as { name: string; namespace: string };
        leftovers.receivers.push({ kind, name: m.name, namespace: m.namespace, ageSeconds: ageOf(o, now) });
      }
    }
  } catch (err) {
    warnings.push(`could not look for in-cluster receivers (${(err as Error).message})`);
  }

  const cpu = parseQuantity(sidecar.cpu, '--sidecar-cpu');
  const mem = parseQuantity(sidecar.memory, '--sidecar-memory');
  const candidates = workloads
    .filter((w) => w.namespace === ns && !isLogtapOwned(w) && readTapState(w.template).sessions.length === 0)
    .map((w) => ({
      kind: w.kind,
      name: w.name,
      namespace: w.namespace,
      replicas: w.replicas,
      sidecarCpu: formatQuantity(times(cpu, w.replicas), 'cpu'),
      sidecarMemory: formatQuantity(times(mem, w.replicas), 'memory'),
    }));
  let quota: QuotaLine[] = [];
  try {
    quota = await quotaHeadroom(
      client,
      ns,
      sidecar,
      candidates.reduce((n, c) => n + c.replicas, 0),
    );
  } catch (err) {
    warnings.push(`could not read ResourceQuotas in ${ns} (${(err as Error).message})`);
  }
  const leftoverCount =
    leftovers.tapped.length +
    leftovers.staleAnnotations.length +
    leftovers.orphanedRbac.length +
    leftovers.receivers.length;
  return {
    cluster: {
      context: conn.context,
      server: conn.server,
      namespace: ns,
      version: v.gitVersion,
      platform: v.platform,
    },
    permissions,
    quota,
    leftovers,
    candidates,
    problems: { missingPermissions: permissions.filter((p) => !p.allowed).length, leftovers: leftoverCount },
    warnings,
  };
}
