import type { KubeClient, Workload } from './client.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  refString,
  type WorkloadKind,
  type WorkloadRef,
} from './constants.js';
import { ConflictError, InvalidOptionError } from './errors.js';
import { guardedPatch } from './json-patch.js';
import type { TemplateChange } from './patch.js';
import { readTapState } from './patch.js';
import { deleteSessionRbac, ensureSessionRbac, type RbacChange, serviceAccountOf } from './rbac.js';

/** Which workloads a command acts on. */
export type Selection =
  | { by: 'names'; workloads: { kind: WorkloadKind; name: string }[] }
  | { by: 'selector'; selector: string }
  | { by: 'all' };

/** Logtap's own objects (the in-cluster receiver, anything labelled managed-by=logtap) are never tapped. */
export function isLogtapOwned(w: Workload): boolean {
  return (
    w.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE ||
    w.template.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE
  );
}

/** Resolves a selection to live workloads (named ones are read, so a missing one is a NotFoundError). */
export async function selectWorkloads(
  client: KubeClient,
  namespace: string,
  selection: Selection,
): Promise<Workload[]> {
  switch (selection.by) {
    case 'names': {
      if (selection.workloads.length === 0)
        throw new InvalidOptionError('workload', '', 'name at least one workload, a selector or --all');
      const out: Workload[] = [];
      const seen = new Set<string>();
      for (const w of selection.workloads) {
        if (seen.has(`${w.kind}/${w.name}`)) continue;
        seen.add(`${w.kind}/${w.name}`);
        out.push(await client.readWorkload({ ...w, namespace }));
      }
      return out;
    }
    case 'selector':
      return client.listWorkloads(namespace, selection.selector);
    case 'all':
      return client.listWorkloads(namespace);
  }
}

export interface RetryOptions {
  /** Conflicts retried before giving up (default 5). */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  dryRun?: boolean;
}

export interface PatchOutcome {
  workload: Workload;
  before: Workload;
  change: TemplateChange;
  attempts: number;
}

/**
 * Read → compute → JSON Patch guarded by the resourceVersion that was read; on 409 Conflict read the
 * live object again and recompute (someone else changed it), up to `maxRetries` times with a short
 * backoff. Never a full replace: only the computed paths are sent.
 */
export async function patchTemplateWithRetry(
  client: KubeClient,
  ref: WorkloadRef,
  compute: (w: Workload) => TemplateChange,
  opts: RetryOptions & { initial?: Workload } = {},
): Promise<PatchOutcome> {
  const max = opts.maxRetries ?? 5;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let live = opts.initial ?? (await client.readWorkload(ref));
  for (let attempt = 1; ; attempt++) {
    const change = compute(live);
    if (!change.changed) return { workload: live, before: live, change, attempts: attempt };
    const ops = guardedPatch(live.resourceVersion, '/spec/template', live.template, change.template);
    try {
      const updated = await client.patchWorkload(ref, ops, opts.dryRun);
      return { workload: updated, before: live, change, attempts: attempt };
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt > max) throw err;
      await sleep(Math.min(50 * 2 ** (attempt - 1), 1000));
      live = await client.readWorkload(ref);
    }
  }
}

/**
 * Makes a session's RBAC match the workloads that still carry it in the namespace: deleted when none
 * does, otherwise bound to exactly their service accounts.
 */
export async function reconcileSessionRbac(
  client: KubeClient,
  namespace: string,
  session: string,
): Promise<RbacChange> {
  const workloads = await client.listWorkloads(namespace);
  const tapped = workloads.filter((w) => readTapState(w.template).withContainer.includes(session));
  if (tapped.length === 0) return deleteSessionRbac(client, namespace, session);
  return ensureSessionRbac(
    client,
    namespace,
    session,
    tapped.map((w) => serviceAccountOf(w.template)),
    false,
  );
}

export { refString };
