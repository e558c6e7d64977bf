import type { CheckReport, StatusReport, TapResult, UntapResult } from '@logtap/k8s';

/** Left-aligned columns. */
function table(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

const ref = (w: { kind: string; name: string }) => `${w.kind.toLowerCase()}/${w.name}`;

export function renderTap(r: TapResult, context: string): string {
  const out: string[] = [];
  for (const w of r.warnings) out.push(`warning: ${w}`);
  if (r.dryRun) {
    for (const w of r.workloads.filter((x) => x.diff)) out.push(w.diff.trimEnd(), '');
  }
  out.push(
    `${r.dryRun ? 'Dry run: would tap' : 'Tapped'} in namespace ${r.namespace} (context ${context}) — session ${r.session}, target ${r.target}`,
  );
  out.push(
    table(
      r.workloads.map((w) => [
        w.action,
        ref(w),
        w.kind === 'DaemonSet' ? `${w.replicas} nodes` : `${w.replicas} replicas`,
        w.reason ??
          `serviceaccount ${w.serviceAccount}${w.attempts > 1 ? `, ${w.attempts - 1} conflict retries` : ''}`,
      ]),
    ),
  );
  for (const w of r.workloads) for (const warn of w.warnings) out.push(`warning: ${ref(w)}: ${warn}`);
  if (r.rbac.change !== 'none') {
    out.push(
      `RBAC: ${r.rbac.role} (get pods, pods/log) bound by ${r.rbac.roleBinding} to serviceaccount ${r.rbac.subjects.join(', ')}${r.dryRun ? ' (would be created)' : ''}`,
    );
  }
  for (const rr of r.rollout ?? []) out.push(`${rr.done ? 'ready' : 'NOT READY'}: ${rr.message}`);
  if (r.dryRun) out.push('Nothing was changed. Run again without --dry-run to apply.');
  else if (r.workloads.some((w) => w.action === 'tapped')) {
    out.push(
      `The pods restart with the forwarder (a rolling update). Remove it with: logtap untap --session ${r.session} -n ${r.namespace}`,
    );
  }
  return out.join('\n');
}

export function renderUntap(r: UntapResult, namespace: string | undefined): string {
  const out: string[] = [];
  if (r.dryRun) for (const w of r.workloads.filter((x) => x.diff)) out.push(w.diff.trimEnd(), '');
  if (r.workloads.length === 0) out.push(`Nothing to untap${namespace ? ` in namespace ${namespace}` : ''}.`);
  else
    out.push(
      table(r.workloads.map((w) => [w.action, `${w.namespace}/${ref(w)}`, w.sessions.join(',') || '-'])),
    );
  for (const w of r.warnings) out.push(`warning: ${w}`);
  for (const x of r.rbac) {
    const ch =
      x.change === 'would-reconcile'
        ? 'would be removed if unused'
        : `role ${x.change.role}, rolebinding ${x.change.roleBinding}`;
    out.push(`RBAC ${x.namespace}/${x.name}: ${ch}`);
  }
  if (r.dryRun) out.push('Nothing was changed. Run again without --dry-run to apply.');
  return out.join('\n');
}

const yes = (b: boolean) => (b ? 'ok' : 'MISSING');

export function renderCheck(r: CheckReport): string {
  const out: string[] = [];
  out.push(
    `Cluster: ${r.cluster.server} (context ${r.cluster.context}), Kubernetes ${r.cluster.version ?? 'unknown'}, namespace ${r.cluster.namespace}`,
  );
  const missing = r.permissions.filter((p) => !p.allowed);
  out.push(`Permissions: ${r.permissions.length - missing.length}/${r.permissions.length} allowed`);
  if (missing.length > 0) {
    out.push(
      table(
        missing.map((p) => [
          yes(p.allowed),
          `${p.verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}`,
          p.namespace ? `in ${p.namespace}` : 'cluster-wide',
          `needed by ${p.neededBy.join(', ')}`,
        ]),
      ),
    );
  }
  if (r.quota.length > 0) {
    out.push('Quota headroom for forwarders on all candidates:');
    out.push(
      table(
        r.quota.map((q) => [
          q.fits ? 'ok' : 'TIGHT',
          `${q.quota} ${q.resource}`,
          `used ${q.used} of ${q.hard}`,
          `forwarders need ${q.needed}`,
        ]),
      ),
    );
  }
  const l = r.leftovers;
  const count = r.problems.leftovers;
  out.push(`Leftovers (${l.scope}): ${count === 0 ? 'none' : count}`);
  for (const t of l.tapped)
    out.push(
      `  tapped           ${t.namespace}/${ref(t)} sessions ${t.sessions.join(',')} → ${t.target ?? '?'}`,
    );
  for (const t of l.staleAnnotations)
    out.push(`  stale annotation ${t.namespace}/${ref(t)} sessions ${t.sessions.join(',')}`);
  for (const t of l.orphanedRbac)
    out.push(`  orphaned RBAC    ${t.namespace}/${t.kind.toLowerCase()}/${t.name}`);
  for (const t of l.receivers)
    out.push(
      `  receiver         ${t.namespace}/${t.kind.toLowerCase()}/${t.name}${t.ageSeconds !== null ? ` age ${Math.round(t.ageSeconds / 60)}m` : ''}`,
    );
  if (count > 0) {
    out.push(
      '  clean up: logtap untap --all -A' +
        (l.receivers.length > 0
          ? '; kubectl delete deploy,pod,svc -A -l app.kubernetes.io/managed-by=logtap,app.kubernetes.io/name=logtap-receiver'
          : ''),
    );
  }
  out.push(`Candidates in ${r.cluster.namespace}:${r.candidates.length === 0 ? ' none' : ''}`);
  if (r.candidates.length > 0)
    out.push(
      table(
        r.candidates.map((c) => [
          ref(c),
          `${c.replicas} replicas`,
          `+${c.sidecarCpu} cpu`,
          `+${c.sidecarMemory} memory`,
        ]),
      ),
    );
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}

const fmtBytes = (n: number | undefined) => {
  if (n === undefined) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
};

export function renderStatus(r: StatusReport): string {
  const out: string[] = [];
  if (r.workloads.length === 0) {
    out.push(`No tapped workloads${r.namespace ? ` in namespace ${r.namespace}` : ''}.`);
    return out.join('\n');
  }
  out.push('Workloads:');
  out.push(
    table(
      r.workloads.flatMap((w) =>
        w.sessions.map((s) => [
          `${w.namespace}/${ref(w)}`,
          s.session,
          `${s.forwarding}/${s.total} pods forwarding`,
          s.target ?? '?',
        ]),
      ),
    ),
  );
  for (const w of r.workloads)
    if (w.stale.length > 0)
      out.push(
        `  warning: ${w.namespace}/${ref(w)} lists sessions without a forwarder: ${w.stale.join(', ')}`,
      );
  out.push('Sessions:');
  out.push(
    table(
      r.sessions.map((s) => [
        s.session,
        `${s.workloads} workloads`,
        `${s.forwarding}/${s.total} pods forwarding`,
        `RBAC ${s.rbac.every((x) => x.present) ? 'ok' : 'MISSING'}`,
      ]),
    ),
  );
  if (r.receivers.length > 0) {
    out.push('Receivers:');
    out.push(
      table(
        r.receivers.map((x) =>
          x.ok && x.counters
            ? [
                x.target,
                `received ${x.counters.linesReceived ?? '?'} lines`,
                `dropped ${x.counters.linesDropped ?? 0}${
                  Object.keys(x.counters.droppedByReason).length > 0
                    ? ` (${Object.entries(x.counters.droppedByReason)
                        .map(([k, v]) => `${k} ${v}`)
                        .join(', ')})`
                    : ''
                }`,
                `disk ${fmtBytes(x.counters.diskUsageBytes)}`,
              ]
            : [x.target, `unreachable from here (${x.error}); try --metrics-url with a port-forward`],
        ),
      ),
    );
  }
  return out.join('\n');
}
