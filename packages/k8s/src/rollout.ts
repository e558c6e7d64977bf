import type { KubeClient, Workload } from './client.js';
import type { WorkloadRef } from './constants.js';
import type { JsonObject } from './patch.js';

export interface RolloutState {
  done: boolean;
  message: string;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** Whether a workload's rollout is complete, by the same rules as `kubectl rollout status`. */
export function rolloutState(w: Workload): RolloutState {
  const meta = (w.object.metadata ?? {}) as JsonObject;
  const spec = (w.object.spec ?? {}) as JsonObject;
  const st = (w.object.status ?? {}) as JsonObject;
  const ref = `${w.kind.toLowerCase()}/${w.name}`;
  if (num(st.observedGeneration) < num(meta.generation))
    return { done: false, message: `${ref}: waiting for the controller to see the new spec` };
  if (w.kind === 'Deployment') {
    const want = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const updated = num(st.updatedReplicas);
    if (updated < want)
      return { done: false, message: `${ref}: ${updated} of ${want} new replicas have been updated` };
    if (num(st.replicas) > updated)
      return {
        done: false,
        message: `${ref}: ${num(st.replicas) - updated} old replicas are pending termination`,
      };
    if (num(st.availableReplicas) < updated)
      return {
        done: false,
        message: `${ref}: ${num(st.availableReplicas)} of ${updated} updated replicas are available`,
      };
    return { done: true, message: `${ref} successfully rolled out` };
  }
  // StatefulSets and DaemonSets: with OnDelete, pods change only when deleted, so nothing is rolling out.
  if ((spec.updateStrategy as JsonObject | undefined)?.type === 'OnDelete') {
    return {
      done: true,
      message: `${ref} uses the OnDelete update strategy: pods get the forwarder only when deleted`,
    };
  }
  if (w.kind === 'StatefulSet') {
    const want = typeof spec.replicas === 'number' ? spec.replicas : 1;
    if (num(st.readyReplicas) < want)
      return { done: false, message: `${ref}: ${num(st.readyReplicas)} of ${want} pods are ready` };
    if (st.updateRevision !== st.currentRevision)
      return { done: false, message: `${ref}: waiting for the rolling update to finish` };
    return { done: true, message: `${ref} successfully rolled out` };
  }
  const desired = num(st.desiredNumberScheduled);
  if (num(st.updatedNumberScheduled) < desired)
    return {
      done: false,
      message: `${ref}: ${num(st.updatedNumberScheduled)} of ${desired} updated pods scheduled`,
    };
  if (num(st.numberAvailable) < desired)
    return {
      done: false,
      message: `${ref}: ${num(st.numberAvailable)} of ${desired} updated pods are available`,
    };
  return { done: true, message: `${ref} successfully rolled out` };
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onProgress?: (message: string) => void;
}

export interface RolloutResult extends WorkloadRef {
  done: boolean;
  message: string;
}

/** Polls the workloads until every rollout is complete or the timeout passes. Never throws for a timeout. */
export async function waitForRollouts(
  client: KubeClient,
  refs: readonly WorkloadRef[],
  opts: WaitOptions,
): Promise<RolloutResult[]> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  const results = new Map<string, RolloutResult>();
  const key = (r: WorkloadRef) => `${r.kind}/${r.name}`;
  let last = '';
  for (;;) {
    for (const ref of refs) {
      if (results.get(key(ref))?.done) continue;
      const state = rolloutState(await client.readWorkload(ref));
      results.set(key(ref), { ...ref, ...state });
    }
    const pending = [...results.values()].filter((r) => !r.done);
    const msg = pending.map((p) => p.message).join('; ');
    if (msg && msg !== last) opts.onProgress?.(msg);
    last = msg;
    if (pending.length === 0 || now() >= deadline) break;
    await sleep(Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - now())));
  }
  return refs.map((r) => results.get(key(r))!);
}
