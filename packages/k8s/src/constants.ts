/** Annotations, labels and names logtap puts on what it changes; documented in docs/kubernetes.md. */
export const ANNOTATION_TAPPED = 'logtap.dev/tapped';
export const ANNOTATION_TARGET = 'logtap.dev/target';
export const ANNOTATION_ORIGINAL = 'logtap.dev/original';
export const FORWARDER_PREFIX = 'logtap-forwarder-';
export const TOKEN_VOLUME_PREFIX = 'logtap-token-';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'logtap';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const SESSION_LABEL = 'logtap.dev/session';
export const RECEIVER_NAME = 'logtap-receiver';
export const LINKERD_SKIP_OUTBOUND = 'config.linkerd.io/skip-outbound-ports';
export const ISTIO_EXCLUDE_OUTBOUND = 'traffic.sidecar.istio.io/excludeOutboundPorts';
export const DEFAULT_SIDECAR_CPU = '25m';
// The forwarder image runs one esbuild bundle with tuned V8 flags (docs/forwarder.md, "Resources"): 61 MiB
// RSS idle (42 MiB of it the node binary's shared pages), 115-123 MiB at its peak reading a backlog as fast
// as it can. 128Mi is above that peak; the 2x limit, 256Mi, is twice it: room for several containers'
// batches and a full retry buffer (LOGTAP_BUFFER_BYTES, 8 MiB).
export const DEFAULT_SIDECAR_MEMORY = '128Mi';
/** First port the forwarder's /healthz and /metrics listen on; the next free one is used if taken. */
export const FORWARDER_BASE_PORT = 9091;
export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The forwarder image tap injects unless `image` is given: the one published with this logtap version. */
export function defaultForwarderImage(version: string): string {
  return `ghcr.io/logtap/logtap-forwarder:${version}`;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** `deployment/api` style reference. */
export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  namespace: string;
}

export function refString(r: { kind: string; name: string; namespace?: string }): string {
  return `${r.kind.toLowerCase()}/${r.name}`;
}
