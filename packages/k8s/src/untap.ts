import type { KubeClient, Workload } from './client.js';
import { refString, type WorkloadRef } from './constants.js';
import { unifiedDiff } from './diff.js';
import { patchTemplateWithRetry, reconcileSessionRbac, type Selection, selectWorkloads } from './ops.js';
import { readTapState, untapTemplate } from './patch.js';
import type { RbacChange } from './rbac.js';
import { rbacName } from './rbac.js';
import { validateSessionId } from './session.js';

export interface UntapOptions {
  /** One namespace, or every namespace (`undefined`) with selection `all` or a session. */
  namespace: string | undefined;
  /** Which workloads; with `session` alone, every workload that carries that session. */
  selection: Selection;
  /** Remove only this session; default every session on the selected workloads. */
  session?: string;
  dryRun?: boolean;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (message: string) => void;
}

export interface UntapWorkloadResult extends WorkloadRef {
  action: 'untapped' | 'would-untap' | 'not-tapped';
  sessions: string[];
  diff: string;
  attempts: number;
  warnings: string[];
}

export interface UntapResult {
  dryRun: boolean;
  workloads: UntapWorkloadResult[];
  rbac: { namespace: string; session: string; name: string; change: RbacChange | 'would-reconcile' }[];
  warnings: string[];
}

/**
 * Removes tap sessions and restores what was there (see untapTemplate), with the same guarded patches and
 * conflict retries as tap, then deletes each affected session's Role/RoleBinding when no workload of the
 * namespace carries the session any more. Running it again changes nothing (idempotent).
 */
export async function untap(client: KubeClient, opts: UntapOptions): Promise<UntapResult> {
  const session = opts.session === undefined ? undefined : validateSessionId(opts.session);
  const dryRun = opts.dryRun ?? false;
  let selected: Workload[];
  if (opts.namespace === undefined) {
    selected = await client.listWorkloads(
      undefined,
      opts.selection.by === 'selector' ? opts.selection.selector : undefined,
    );
  } else {
    selected = await selectWorkloads(client, opts.namespace, opts.selection);
  }
  const results: UntapWorkloadResult[] = [];
  const touched = new Map<string, { namespace: string; session: string }>();
  const retry = {
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  };
  for (const w of selected) {
    const state = readTapState(w.template);
    const sessions = session === undefined ? state.sessions : state.sessions.filter((s) => s === session);
    const result: UntapWorkloadResult = {
      kind: w.kind,
      name: w.name,
      namespace: w.namespace,
      action: 'not-tapped',
      sessions,
      diff: '',
      attempts: 0,
      warnings: [],
    };
    // A named workload is reported even when not tapped; from a selector or --all only the tapped ones.
    if (sessions.length === 0) {
      if (opts.selection.by === 'names') results.push(result);
      continue;
    }
    results.push(result);
    const compute = (live: Workload) =>
      untapTemplate(live.template, session === undefined ? 'all' : [session]);
    if (dryRun) {
      const change = compute(w);
      result.action = 'would-untap';
      result.diff = unifiedDiff(`${refString(w)} pod template`, w.template, change.template);
      result.warnings = change.warnings;
    } else {
      const outcome = await patchTemplateWithRetry(client, w, compute, { ...retry, initial: w });
      result.action = outcome.change.changed ? 'untapped' : 'not-tapped';
      result.attempts = outcome.attempts;
      result.diff = unifiedDiff(
        `${refString(w)} pod template`,
        outcome.before.template,
        outcome.change.template,
      );
      result.warnings = outcome.change.warnings;
      opts.onProgress?.(`untapped ${refString(w)} in namespace ${w.namespace} (${sessions.join(', ')})`);
    }
    for (const s of sessions) touched.set(`${w.namespace}/${s}`, { namespace: w.namespace, session: s });
  }
  const rbac: UntapResult['rbac'] = [];
  for (const { namespace, session: s } of touched.values()) {
    const entry = { namespace, session: s, name: rbacName(s) };
    if (dryRun) rbac.push({ ...entry, change: 'would-reconcile' });
    else rbac.push({ ...entry, change: await reconcileSessionRbac(client, namespace, s) });
  }
  // An untap by session also cleans RBAC left by an interrupted run where no workload carries it any more.
  if (
    !dryRun &&
    session !== undefined &&
    opts.namespace !== undefined &&
    !touched.has(`${opts.namespace}/${session}`)
  ) {
    const change = await reconcileSessionRbac(client, opts.namespace, session);
    if (change.role !== 'absent' || change.roleBinding !== 'absent') {
      rbac.push({ namespace: opts.namespace, session, name: rbacName(session), change });
    }
  }
  return {
    dryRun,
    workloads: results,
    rbac,
    warnings: results.flatMap((r) => r.warnings.map((w) => `${refString(r)}: ${w}`)),
  };
}
