import type { KubeClient, Workload } from './client.js';
import { FORWARDER_PREFIX, type WorkloadRef } from './constants.js';
import type { ReceiverProbe } from './metrics.js';
import { type JsonObject, readTapState } from './patch.js';
import { rbacName } from './rbac.js';
import { selectorToString } from './selector.js';
import { type ProbeOptions, probeAll } from './status-probe.js';

export interface StatusOptions {
  /** One namespace, or all (`undefined`). */
  namespace: string | undefined;
  /** Only this session. */
  session?: string;
  /** Scrape the receivers' /metrics (default true). */
  probeReceivers?: boolean;
  /** Scrape this URL instead of each target (e.g. a port-forward: http://127.0.0.1:3100). */
  metricsUrl?: string;
  probe?: ProbeOptions;
}

export interface WorkloadStatus extends WorkloadRef {
  sessions: { session: string; target: string | undefined; forwarding: number; total: number }[];
  /** Pods the workload's selector matches. */
  pods: number;
  /** Sessions listed in the annotation without a forwarder container. */
  stale: string[];
}

export interface SessionStatus {
  session: string;
  namespaces: string[];
  targets: string[];
  workloads: number;
  forwarding: number;
  total: number;
  rbac: { namespace: string; present: boolean }[];
}

export interface StatusReport {
  namespace: string | null;
  workloads: WorkloadStatus[];
  sessions: SessionStatus[];
  receivers: (ReceiverProbe & { target: string })[];
}

function forwarderReady(pod: JsonObject, session: string): boolean {
  const statuses =
    ((pod.status as JsonObject | undefined)?.containerStatuses as JsonObject[] | undefined) ?? [];
  const c = statuses.find((s) => s.name === `${FORWARDER_PREFIX}${session}`);
  return Boolean(c?.ready) && Boolean((c?.state as JsonObject | undefined)?.running);
}

/**
 * Tapped workloads with their sessions and how many pods forward (forwarder container running and
 * ready / pods the workload selects, using matchLabels and matchExpressions), sessions across them, and
 * the receivers' counters from /metrics.
 */
export async function status(client: KubeClient, opts: StatusOptions): Promise<StatusReport> {
  const all = await client.listWorkloads(opts.namespace);
  const tapped: { w: Workload; state: ReturnType<typeof readTapState> }[] = [];
  for (const w of all) {
    const state = readTapState(w.template);
    if (state.sessions.length === 0) continue;
    if (opts.session !== undefined && !state.sessions.includes(opts.session)) continue;
    tapped.push({ w, state });
  }
  const workloads: WorkloadStatus[] = [];
  for (const { w, state } of tapped) {
    const selector = selectorToString(w.selector);
    const pods = selector
      ? (await client.listPods(w.namespace, selector)).filter(
          (p) => !(p.metadata as JsonObject | undefined)?.deletionTimestamp,
        )
      : [];
    const sessions = state.sessions
      .filter((s) => opts.session === undefined || s === opts.session)
      .map((s) => ({
        session: s,
        target: state.targets[s] ?? (s === state.sessions.at(-1) ? state.target : undefined),
        forwarding: pods.filter((p) => forwarderReady(p, s)).length,
        total: pods.length,
      }));
    workloads.push({
      kind: w.kind,
      name: w.name,
      namespace: w.namespace,
      sessions,
      pods: pods.length,
      stale: state.stale,
    });
  }
  const bySession = new Map<string, SessionStatus>();
  for (const ws of workloads) {
    for (const s of ws.sessions) {
      const e = bySession.get(s.session) ?? {
        session: s.session,
        namespaces: [],
        targets: [],
        workloads: 0,
        forwarding: 0,
        total: 0,
        rbac: [],
      };
      if (!e.namespaces.includes(ws.namespace)) e.namespaces.push(ws.namespace);
      if (s.target && !e.targets.includes(s.target)) e.targets.push(s.target);
      e.workloads++;
      e.forwarding += s.forwarding;
      e.total += s.total;
      bySession.set(s.session, e);
    }
  }
  for (const e of bySession.values()) {
    for (const namespace of e.namespaces) {
      let present = false;
      try {
        await client.call('get role', () =>
          client.rbac.readNamespacedRole({ name: rbacName(e.session), namespace }),
        );
        present = true;
      } catch {
        // Missing or unreadable: reported as not present; `check` explains permissions in detail.
      }
      e.rbac.push({ namespace, present });
    }
  }
  const sessions = [...bySession.values()];
  let receivers: StatusReport['receivers'] = [];
  if (opts.probeReceivers !== false) {
    const targets = opts.metricsUrl ? [opts.metricsUrl] : [...new Set(sessions.flatMap((s) => s.targets))];
    receivers = await probeAll(targets, opts.probe);
  }
  return { namespace: opts.namespace ?? null, workloads, sessions, receivers };
}
