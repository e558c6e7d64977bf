import type { KubeClient, Workload } from './client.js';
import { toPlain } from './client.js';
import { DEFAULT_SIDECAR_CPU, DEFAULT_SIDECAR_MEMORY, refString, type WorkloadRef } from './constants.js';
import { unifiedDiff } from './diff.js';
import { InvalidOptionError, NoWorkloadsError, SelfTapError, TapPartialFailureError } from './errors.js';
import {
  isLogtapOwned,
  patchTemplateWithRetry,
  reconcileSessionRbac,
  type Selection,
  selectWorkloads,
} from './ops.js';
import { type JsonObject, readTapState, type TapSpec, tapTemplate, untapTemplate } from './patch.js';
import { guardNamespace, type ProdVerdict } from './prod-guard.js';
import { parseQuantity } from './quantity.js';
import { type QuotaLine, quotaHeadroom } from './quota.js';
import { ensureSessionRbac, type RbacChange, rbacName, serviceAccountOf } from './rbac.js';
import { type RolloutResult, waitForRollouts } from './rollout.js';
import { validateSessionId } from './session.js';
import { parseTarget } from './target.js';

export interface TapOptions {
  namespace: string;
  selection: Selection;
  session: string;
  /** host:port or http(s) URL as seen from the pods. */
  target: string;
  image: string;
  cpu?: string;
  memory?: string;
  dryRun?: boolean;
  allowProd?: boolean;
  /** Required for `selection.by === 'all'` unless dryRun. */
  force?: boolean;
  /** Wait for the rollouts (kubectl rollout status rules) up to this long. */
  wait?: { timeoutMs: number; pollMs?: number };
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Clock for the wait deadline (ms); injected by tests together with `sleep`. */
  now?: () => number;
  onProgress?: (message: string) => void;
}

export interface TapWorkloadResult extends WorkloadRef {
  action: 'tapped' | 'would-tap' | 'already-tapped' | 'skipped';
  reason?: string;
  replicas: number;
  serviceAccount: string;
  /** Unified diff of the pod template (dry run, and after a real tap for the record). */
  diff: string;
  /** Patch attempts (more than 1 after conflicts with concurrent writers). */
  attempts: number;
  warnings: string[];
}

export interface TapResult {
  session: string;
  namespace: string;
  target: string;
  image: string;
  dryRun: boolean;
  production: ProdVerdict;
  workloads: TapWorkloadResult[];
  rbac: {
    role: string;
    roleBinding: string;
    subjects: string[];
    change: RbacChange | 'would-create' | 'none';
  };
  quota: QuotaLine[];
  rollout: RolloutResult[] | undefined;
  warnings: string[];
}

async function needsTokenVolume(
  client: KubeClient,
  namespace: string,
  w: Workload,
  warnings: string[],
): Promise<boolean> {
  const auto = w.template.spec?.automountServiceAccountToken;
  if (auto !== undefined) return auto === false;
  const name = serviceAccountOf(w.template);
  try {
    const sa = toPlain<JsonObject>(
      await client.call(`get serviceaccount/${name}`, () =>
        client.core.readNamespacedServiceAccount({ name, namespace }),
      ),
    );
    return sa.automountServiceAccountToken === false;
  } catch (err) {
    warnings.push(
      `could not read serviceaccount/${name} (${(err as Error).message}); assuming its token is mounted`,
    );
    return false;
  }
}

/**
 * Taps workloads: production guard (fail-closed), selection, RBAC for the session, then one guarded
 * JSON Patch per workload with conflict retries. If a workload fails after others were tapped, those are
 * untapped again from their live state and the RBAC reconciled, then TapPartialFailureError is thrown.
 */
export async function tap(client: KubeClient, opts: TapOptions): Promise<TapResult> {
  const session = validateSessionId(opts.session);
  const target = parseTarget(opts.target);
  const cpu = opts.cpu ?? DEFAULT_SIDECAR_CPU;
  const memory = opts.memory ?? DEFAULT_SIDECAR_MEMORY;
  parseQuantity(cpu, '--sidecar-cpu');
  parseQuantity(memory, '--sidecar-memory');
  if (!opts.image.trim())
    throw new InvalidOptionError('--image', opts.image, 'an image reference is required');
  const dryRun = opts.dryRun ?? false;
  if (opts.selection.by === 'all' && !opts.force && !dryRun) {
    throw new InvalidOptionError(
      '--all',
      'true',
      'tapping every workload of a namespace needs --force (or --dry-run to preview it)',
    );
  }
  const ns = opts.namespace;
  const guard = await guardNamespace(client, ns, opts.allowProd ?? false);
  const warnings: string[] = guard.override ? [guard.override] : [];
  const nsMeta = (guard.namespace?.metadata ?? {}) as {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };

  const selected = await selectTargets(client, ns, opts.selection);
  const results: TapWorkloadResult[] = [];
  const toTap: { w: Workload; spec: TapSpec; result: TapWorkloadResult }[] = [];
  for (const w of selected) {
    const result: TapWorkloadResult = {
      kind: w.kind,
      name: w.name,
      namespace: ns,
      action: 'would-tap',
      replicas: w.replicas,
      serviceAccount: serviceAccountOf(w.template),
      diff: '',
      attempts: 0,
      warnings: [],
    };
    results.push(result);
    if (isLogtapOwned(w)) {
      result.action = 'skipped';
      result.reason = "logtap's own receiver (managed-by=logtap)";
      continue;
    }
    if (readTapState(w.template).withContainer.includes(session)) {
      result.action = 'already-tapped';
      continue;
    }
    const spec: TapSpec = {
      session,
      target: target.url,
      image: opts.image,
      cpu,
      memory,
      workload: { kind: w.kind, name: w.name },
    };
    if (nsMeta.labels || nsMeta.annotations) spec.namespace = nsMeta;
    if (await needsTokenVolume(client, ns, w, result.warnings)) spec.tokenVolume = true;
    result.warnings.push(...rolloutCaveats(w));
    result.diff = unifiedDiff(
      `${refString(w)} pod template`,
      w.template,
      tapTemplate(w.template, spec).template,
    );
    toTap.push({ w, spec, result });
  }
  if (toTap.length === 0 && !results.some((r) => r.action === 'already-tapped')) {
    throw new NoWorkloadsError(
      `no workload to tap in namespace ${ns}${opts.selection.by === 'selector' ? ` matches selector "${opts.selection.selector}"` : ''} (logtap's own receiver is never tapped)`,
    );
  }
  let quota: QuotaLine[] = [];
  try {
    quota = await quotaHeadroom(
      client,
      ns,
      { cpu, memory },
      toTap.reduce((n, t) => n + t.w.replicas, 0),
    );
    for (const q of quota.filter((x) => !x.fits)) {
      warnings.push(
        `ResourceQuota ${q.quota}: ${q.resource} used ${q.used} of ${q.hard}; the forwarders need ${q.needed} more, so new pods may be refused`,
      );
    }
  } catch (err) {
    warnings.push(`could not check ResourceQuotas (${(err as Error).message})`);
  }
  const rbacInfo = { role: `role/${rbacName(session)}`, roleBinding: `rolebinding/${rbacName(session)}` };
  const accounts = [...new Set(toTap.map((t) => t.result.serviceAccount))].sort();
  const base = {
    session,
    namespace: ns,
    target: target.url,
    image: opts.image,
    dryRun,
    production: guard.verdict,
    quota,
    warnings,
  };
  if (dryRun || toTap.length === 0) {
    return {
      ...base,
      workloads: results,
      rbac: { ...rbacInfo, subjects: accounts, change: toTap.length === 0 ? 'none' : 'would-create' },
      rollout: undefined,
    };
  }

  let rbac: RbacChange;
  try {
    rbac = await ensureSessionRbac(client, ns, session, accounts, true);
  } catch (err) {
    // The Role may exist while the RoleBinding failed: leave nothing behind that no workload uses.
    await reconcileSessionRbac(client, ns, session).catch(() => undefined);
    throw err;
  }
  opts.onProgress?.(`${rbacInfo.role} and ${rbacInfo.roleBinding}: ${rbac.role}/${rbac.roleBinding}`);
  const done: TapWorkloadResult[] = [];
  for (const item of toTap) {
    try {
      const retry = {
        ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
        ...(opts.sleep ? { sleep: opts.sleep } : {}),
      };
      const outcome = await patchTemplateWithRetry(
        client,
        item.w,
        (live) => {
          if (isLogtapOwned(live)) throw new SelfTapError(refString(live));
          return tapTemplate(live.template, item.spec);
        },
        { ...retry, initial: item.w },
      );
      item.result.action = outcome.change.changed ? 'tapped' : 'already-tapped';
      item.result.attempts = outcome.attempts;
      item.result.diff = unifiedDiff(
        `${refString(item.w)} pod template`,
        outcome.before.template,
        outcome.change.template,
      );
      if (outcome.change.changed) done.push(item.result);
      opts.onProgress?.(
        `tapped ${refString(item.w)}${outcome.attempts > 1 ? ` (after ${outcome.attempts - 1} conflict retries)` : ''}`,
      );
    } catch (err) {
      await rollback(client, ns, session, done, err, refString(item.w), opts);
    }
  }
  let rollout: RolloutResult[] | undefined;
  if (opts.wait && done.length > 0) {
    rollout = await waitForRollouts(client, done, {
      timeoutMs: opts.wait.timeoutMs,
      ...(opts.wait.pollMs !== undefined ? { pollMs: opts.wait.pollMs } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  }
  return {
    ...base,
    workloads: results,
    rbac: { ...rbacInfo, subjects: rbac.subjects, change: rbac },
    rollout,
  };
}

/** Why a tapped workload's pods may not get the forwarder soon. */
function rolloutCaveats(w: Workload): string[] {
  const spec = (w.object.spec ?? {}) as { paused?: boolean; updateStrategy?: { type?: string } };
  const out: string[] = [];
  if (w.kind === 'Deployment' && spec.paused)
    out.push('the Deployment is paused: its pods get the forwarder when it is resumed');
  if (w.kind !== 'Deployment' && spec.updateStrategy?.type === 'OnDelete') {
    out.push('updateStrategy OnDelete: pods get the forwarder only when they are deleted and recreated');
  }
  return out;
}

async function selectTargets(client: KubeClient, ns: string, selection: Selection): Promise<Workload[]> {
  const selected = await selectWorkloads(client, ns, selection);
  if (selection.by === 'names') {
    const own = selected.find(isLogtapOwned);
    if (own) throw new SelfTapError(refString(own));
  }
  return selected;
}

/** Untaps what this run tapped (from live objects), reconciles the session's RBAC, and throws. */
async function rollback(
  client: KubeClient,
  ns: string,
  session: string,
  done: TapWorkloadResult[],
  cause: unknown,
  failed: string,
  opts: TapOptions,
): Promise<never> {
  const rolledBack: string[] = [];
  const failures: { workload: string; error: string }[] = [];
  for (const r of [...done].reverse()) {
    try {
      await patchTemplateWithRetry(client, r, (live) => untapTemplate(live.template, [session]), {
        ...(opts.sleep ? { sleep: opts.sleep } : {}),
      });
      rolledBack.push(refString(r));
      opts.onProgress?.(`rolled back ${refString(r)}`);
    } catch (err) {
      failures.push({ workload: refString(r), error: (err as Error).message });
    }
  }
  try {
    await reconcileSessionRbac(client, ns, session);
  } catch (err) {
    failures.push({ workload: `role/rolebinding ${rbacName(session)}`, error: (err as Error).message });
  }
  if (done.length === 0 && failures.length === 0) throw cause;
  throw new TapPartialFailureError(failed, rolledBack, failures, { cause });
}
