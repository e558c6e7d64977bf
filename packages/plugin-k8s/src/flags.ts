import * as Flags from '@oclif/core/flags';

// Loaded for every `--help`: only @oclif/core here. @logtap/k8s (and the Kubernetes client) load in run().

/** Sidecar defaults; the same as @logtap/k8s's DEFAULT_SIDECAR_CPU / _MEMORY (a test pins this). */
export const DEFAULT_CPU = '25m';
export const DEFAULT_MEMORY = '128Mi';

/** Flags every cluster command takes. */
export const kubeFlags = {
  namespace: Flags.string({
    char: 'n',
    summary: "Namespace (default: the context's namespace, else default).",
    helpValue: 'NAME',
  }),
  context: Flags.string({
    summary: 'Kubeconfig context to use (default: the current context).',
    helpValue: 'NAME',
  }),
  kubeconfig: Flags.string({
    summary: 'Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).',
    helpValue: 'PATH',
  }),
};

/** Workload selection flags of tap and untap. */
export const workloadFlags = {
  selector: Flags.string({
    char: 'l',
    summary: 'Deployments, StatefulSets and DaemonSets matching a label selector (e.g. app=api,tier!=db).',
    helpValue: 'SELECTOR',
  }),
  deployment: Flags.string({
    summary: 'A Deployment by name (repeatable).',
    multiple: true,
    helpValue: 'NAME',
  }),
  statefulset: Flags.string({
    summary: 'A StatefulSet by name (repeatable).',
    multiple: true,
    helpValue: 'NAME',
  }),
  daemonset: Flags.string({
    summary: 'A DaemonSet by name (repeatable).',
    multiple: true,
    helpValue: 'NAME',
  }),
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as 90s, 5m, 1h30m (a bare number is seconds); undefined if invalid. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** The workloads named by --deployment / --statefulset / --daemonset. */
export function namedWorkloads(flags: {
  deployment?: string[] | undefined;
  statefulset?: string[] | undefined;
  daemonset?: string[] | undefined;
}) {
  return [
    ...(flags.deployment ?? []).map((name) => ({ kind: 'Deployment' as const, name })),
    ...(flags.statefulset ?? []).map((name) => ({ kind: 'StatefulSet' as const, name })),
    ...(flags.daemonset ?? []).map((name) => ({ kind: 'DaemonSet' as const, name })),
  ];
}
