import type { KubeClient } from './client.js';
import { toPlain } from './client.js';
import type { JsonObject } from './patch.js';
import { formatQuantity, parseQuantity, type Quantity, times } from './quantity.js';

/** One quota'd resource of a ResourceQuota against what the sidecars would add. */
export interface QuotaLine {
  namespace: string;
  quota: string;
  resource: string;
  hard: string;
  used: string;
  /** What the forwarders would add (sidecar × replicas). */
  needed: string;
  fits: boolean;
}

const RESOURCES: Record<string, 'cpu' | 'memory'> = {
  'requests.cpu': 'cpu',
  cpu: 'cpu',
  'limits.cpu': 'cpu',
  'requests.memory': 'memory',
  memory: 'memory',
  'limits.memory': 'memory',
};

/**
 * Compares each ResourceQuota of the namespace with what `replicas` forwarders of the given size need
 * (limits are twice the requests). A quota that is too tight makes the API server refuse the new pods
 * during the rollout, which is why tap warns and check reports it.
 */
export async function quotaHeadroom(
  client: KubeClient,
  namespace: string,
  sidecar: { cpu: string; memory: string },
  replicas: number,
): Promise<QuotaLine[]> {
  const list = await client.call(`list resourcequotas in namespace ${namespace}`, () =>
    client.core.listNamespacedResourceQuota({ namespace }),
  );
  const req: Record<'cpu' | 'memory', Quantity> = {
    cpu: parseQuantity(sidecar.cpu, '--sidecar-cpu'),
    memory: parseQuantity(sidecar.memory, '--sidecar-memory'),
  };
  const lines: QuotaLine[] = [];
  for (const item of list.items) {
    const q = toPlain<JsonObject>(item);
    const name = String((q.metadata as JsonObject).name);
    const hard = ((q.spec as JsonObject | undefined)?.hard ?? {}) as Record<string, string>;
    const used = ((q.status as JsonObject | undefined)?.used ?? {}) as Record<string, string>;
    for (const [resource, kind] of Object.entries(RESOURCES)) {
      if (hard[resource] === undefined) continue;
      const h = parseQuantity(hard[resource]!);
      const u = parseQuantity(used[resource] ?? '0');
      const per = resource.startsWith('limits.') ? times(req[kind], 2) : req[kind];
      const need = times(per, replicas);
      lines.push({
        namespace,
        quota: name,
        resource,
        hard: hard[resource]!,
        used: used[resource] ?? '0',
        needed: formatQuantity(need, kind),
        fits: u.milli + need.milli <= h.milli,
      });
    }
  }
  return lines;
}
