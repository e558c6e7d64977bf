import {
  ANNOTATION_ORIGINAL,
  ANNOTATION_TAPPED,
  ANNOTATION_TARGET,
  FORWARDER_BASE_PORT,
  FORWARDER_PREFIX,
  SERVICE_ACCOUNT_MOUNT,
  TOKEN_VOLUME_PREFIX,
  type WorkloadKind,
} from './constants.js';
import { addPort, type MeshContext, meshBypassKeys, removePorts, splitPorts } from './mesh.js';
import { doubleQuantity } from './quantity.js';
import { parseTarget, type Target } from './target.js';

/** A JSON object (API objects are handled as plain JSON so nothing unknown is lost). */
export type JsonObject = { [k: string]: unknown };

/** The part of a pod template tap and untap read and change. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: {
    containers?: JsonObject[];
    volumes?: JsonObject[];
    serviceAccountName?: string;
    serviceAccount?: string;
    automountServiceAccountToken?: boolean;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/**
 * What `logtap.dev/original` holds: the values the tap changed, as they were before the first session,
 * so that removing the last session restores them exactly.
 */
export interface OriginalRecord {
  v: 1;
  /** Annotation values before logtap touched them; `null` means the key was absent. */
  annotations: Record<string, string | null>;
  /** Whether the template had a `metadata.annotations` map at all. */
  hadAnnotations: boolean;
  /** Whether the template had a `spec.volumes` list at all. */
  hadVolumes: boolean;
}

export interface TapSpec {
  session: string;
  /** `host:port` or an http(s) URL as the pod sees it. */
  target: string;
  image: string;
  /** Sidecar requests; limits are twice these. */
  cpu: string;
  memory: string;
  workload: { kind: WorkloadKind; name: string };
  /** The namespace's labels / annotations, for namespace-level mesh injection. */
  namespace?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /**
   * Give the forwarder its own projected service-account token (the pod or its service account turned
   * automounting off, so the forwarder would have no credentials for the pods/log API).
   */
  tokenVolume?: boolean;
}

/** What a template says about logtap. */
export interface TapState {
  /** Sessions in tap order: the `logtap.dev/tapped` list, then forwarder containers not listed there. */
  sessions: string[];
  /** Session → target from its forwarder's LOGTAP_TARGET. */
  targets: Record<string, string>;
  /** Sessions that have a forwarder container. */
  withContainer: string[];
  /** Sessions listed in the annotation without a forwarder container (stale annotations). */
  stale: string[];
  target: string | undefined;
  original: OriginalRecord | undefined;
  /** The original record is present but unreadable (edited by hand). */
  originalCorrupt: boolean;
}

export interface TemplateChange {
  template: PodTemplate;
  changed: boolean;
  /** Things the caller should tell the user (e.g. an original value that could not be restored). */
  warnings: string[];
}

const forwarderName = (session: string) => `${FORWARDER_PREFIX}${session}`;
const tokenVolumeName = (session: string) => `${TOKEN_VOLUME_PREFIX}${session}`;

function envValue(container: JsonObject, name: string): string | undefined {
  const env = (container.env as JsonObject[] | undefined) ?? [];
  const e = env.find((x) => x.name === name);
  return typeof e?.value === 'string' ? e.value : undefined;
}

function parseOriginal(text: string | undefined): { original: OriginalRecord | undefined; corrupt: boolean } {
  if (text === undefined) return { original: undefined, corrupt: false };
  try {
    const o = JSON.parse(text) as Partial<OriginalRecord>;
    if (o.v !== 1 || typeof o.annotations !== 'object' || o.annotations === null)
      throw new Error('bad shape');
    return {
      original: {
        v: 1,
        annotations: o.annotations,
        hadAnnotations: o.hadAnnotations !== false,
        hadVolumes: o.hadVolumes !== false,
      },
      corrupt: false,
    };
  } catch {
    return { original: undefined, corrupt: true };
  }
}

/** Reads the tap bookkeeping of a pod template. */
export function readTapState(template: PodTemplate): TapState {
  const ann = template.metadata?.annotations ?? {};
  const listed = (ann[ANNOTATION_TAPPED] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const targets: Record<string, string> = {};
  const withContainer: string[] = [];
  for (const c of template.spec?.containers ?? []) {
    const name = String(c.name ?? '');
    if (!name.startsWith(FORWARDER_PREFIX)) continue;
    const session = name.slice(FORWARDER_PREFIX.length);
    withContainer.push(session);
    const t = envValue(c, 'LOGTAP_TARGET');
    if (t !== undefined) targets[session] = t;
  }
  const sessions = [...new Set([...listed, ...withContainer])];
  const { original, corrupt } = parseOriginal(ann[ANNOTATION_ORIGINAL]);
  return {
    sessions,
    targets,
    withContainer,
    stale: sessions.filter((s) => !withContainer.includes(s)),
    target: ann[ANNOTATION_TARGET],
    original,
    originalCorrupt: corrupt,
  };
}

/** Ports already used in the pod: declared container ports and other forwarders' health ports. */
function usedPorts(template: PodTemplate): Set<number> {
  const used = new Set<number>();
  for (const c of [
    ...(template.spec?.containers ?? []),
    ...((template.spec?.initContainers as JsonObject[] | undefined) ?? []),
  ]) {
    for (const p of (c.ports as JsonObject[] | undefined) ?? [])
      if (typeof p.containerPort === 'number') used.add(p.containerPort);
    const hp = envValue(c, 'LOGTAP_HEALTH_PORT');
    if (hp) used.add(Number(hp));
  }
  return used;
}

/** The forwarder container for a session (see docs/kubernetes.md for every field and why). */
export function forwarderContainer(spec: TapSpec, target: Target, healthPort: number): JsonObject {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
  const container: JsonObject = {
    name: forwarderName(spec.session),
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      { name: 'LOGTAP_TARGET', value: target.url },
      { name: 'LOGTAP_SESSION', value: spec.session },
      { name: 'LOGTAP_POD_NAME', ...field('metadata.name') },
      { name: 'LOGTAP_NAMESPACE', ...field('metadata.namespace') },
      { name: 'LOGTAP_POD_UID', ...field('metadata.uid') },
      { name: 'LOGTAP_NODE_NAME', ...field('spec.nodeName') },
      { name: 'LOGTAP_WORKLOAD_KIND', value: spec.workload.kind },
      { name: 'LOGTAP_WORKLOAD_NAME', value: spec.workload.name },
      { name: 'LOGTAP_HEALTH_PORT', value: String(healthPort) },
    ],
    resources: {
      requests: { cpu: spec.cpu, memory: spec.memory },
      limits: {
        cpu: doubleQuantity(spec.cpu, '--sidecar-cpu'),
        memory: doubleQuantity(spec.memory, '--sidecar-memory'),
      },
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: healthPort },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
  if (spec.tokenVolume) {
    container.volumeMounts = [
      { name: tokenVolumeName(spec.session), mountPath: SERVICE_ACCOUNT_MOUNT, readOnly: true },
    ];
  }
  return container;
}

/** A projected service-account token, CA and namespace: what the kubelet would mount, for the forwarder only. */
export function tokenVolume(session: string): JsonObject {
  return {
    name: tokenVolumeName(session),
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

/**
 * Adds a tap session to a pod template (pure; the input is not modified). Adds the forwarder container,
 * the bookkeeping annotations, the mesh outbound-port bypass merged into the user's lists, and records in
 * `logtap.dev/original` every value it changed for the first time. Tapping with a session that is already
 * there changes nothing.
 */
export function tapTemplate(input: PodTemplate, spec: TapSpec): TemplateChange {
  const state = readTapState(input);
  if (state.withContainer.includes(spec.session)) return { template: input, changed: false, warnings: [] };
  const target = parseTarget(spec.target);
  const t = structuredClone(input);
  t.metadata ??= {};
  t.spec ??= {};
  const original: OriginalRecord = state.original ?? {
    v: 1,
    annotations: {},
    hadAnnotations: input.metadata?.annotations !== undefined,
    hadVolumes: input.spec?.volumes !== undefined,
  };
  const ann: Record<string, string> = t.metadata.annotations ?? {};
  t.metadata.annotations = ann;
  const mesh: MeshContext = {
    templateLabels: input.metadata?.labels,
    templateAnnotations: input.metadata?.annotations,
  };
  if (spec.namespace?.labels) mesh.namespaceLabels = spec.namespace.labels;
  if (spec.namespace?.annotations) mesh.namespaceAnnotations = spec.namespace.annotations;
  for (const key of meshBypassKeys(mesh)) {
    if (!Object.hasOwn(original.annotations, key)) original.annotations[key] = ann[key] ?? null;
    ann[key] = addPort(ann[key], target.port);
  }
  ann[ANNOTATION_TAPPED] = [...state.sessions.filter((s) => s !== spec.session), spec.session].join(',');
  ann[ANNOTATION_TARGET] = target.url;
  ann[ANNOTATION_ORIGINAL] = JSON.stringify(original);
  const used = usedPorts(input);
  let port = FORWARDER_BASE_PORT;
  while (used.has(port)) port++;
  t.spec.containers = [...(t.spec.containers ?? []), forwarderContainer(spec, target, port)];
  if (spec.tokenVolume) t.spec.volumes = [...(t.spec.volumes ?? []), tokenVolume(spec.session)];
  return { template: t, changed: true, warnings: [] };
}

function portsOf(targets: Record<string, string>, sessions: readonly string[]): number[] {
  const ports: number[] = [];
  for (const s of sessions) {
    const t = targets[s];
    if (t === undefined) continue;
    try {
      ports.push(parseTarget(t).port);
    } catch {
      // A target that no longer parses contributes no port; its list item stays as the user sees it.
    }
  }
  return ports;
}

/**
 * Removes tap sessions (all of them with `'all'`) from a pod template (pure). Removes exactly what tap
 * added: forwarder containers, token volumes, bookkeeping annotations, and the mesh ports; when the last
 * session goes, every value in `logtap.dev/original` is restored as it was — unless the user changed it
 * meanwhile, in which case only logtap's ports are taken out of the user's current list.
 */
export function untapTemplate(input: PodTemplate, sessions: readonly string[] | 'all'): TemplateChange {
  const state = readTapState(input);
  const remove = sessions === 'all' ? state.sessions : state.sessions.filter((s) => sessions.includes(s));
  if (remove.length === 0) return { template: input, changed: false, warnings: [] };
  const remaining = state.sessions.filter((s) => !remove.includes(s));
  const warnings: string[] = [];
  const t = structuredClone(input);
  t.metadata ??= {};
  t.spec ??= {};
  const names = new Set(remove.map(forwarderName));
  t.spec.containers = (t.spec.containers ?? []).filter((c) => !names.has(String(c.name)));
  if (t.spec.volumes) {
    const vols = new Set(remove.map(tokenVolumeName));
    t.spec.volumes = t.spec.volumes.filter((v) => !vols.has(String(v.name)));
    if (t.spec.volumes.length === 0 && state.original && !state.original.hadVolumes) delete t.spec.volumes;
  }
  const ann: Record<string, string> = t.metadata.annotations ?? {};
  const original = state.original;
  if (!original) {
    warnings.push(
      state.originalCorrupt
        ? `${ANNOTATION_ORIGINAL} is unreadable (edited by hand?); mesh annotations were left as they are`
        : `${ANNOTATION_ORIGINAL} is missing; mesh annotations were left as they are`,
    );
  }
  const before = portsOf(state.targets, state.sessions);
  const after = portsOf(state.targets, remaining);
  for (const [key, orig] of Object.entries(original?.annotations ?? {})) {
    // What logtap wrote for the sessions present now; if the value differs, the user edited it.
    let expected: string | null = orig;
    for (const p of before) expected = addPort(expected, p);
    const current = ann[key];
    let next: string | null;
    if (current === expected) {
      next = orig;
      if (remaining.length > 0) for (const p of after) next = addPort(next, p);
    } else {
      const origItems = new Set(splitPorts(orig));
      const ours = before.filter((p) => !after.includes(p) && !origItems.has(String(p)));
      next = current === undefined ? null : ours.length === 0 ? current : removePorts(current, ours);
      warnings.push(`${key} was changed while tapped; removed only logtap's ports from it`);
    }
    if (next === null) delete ann[key];
    else ann[key] = next;
  }
  if (remaining.length === 0) {
    delete ann[ANNOTATION_TAPPED];
    delete ann[ANNOTATION_TARGET];
    delete ann[ANNOTATION_ORIGINAL];
  } else {
    ann[ANNOTATION_TAPPED] = remaining.join(',');
    const last = remaining.findLast((s) => state.targets[s] !== undefined);
    const target = last === undefined ? undefined : state.targets[last];
    if (target !== undefined) ann[ANNOTATION_TARGET] = target;
  }
  if (Object.keys(ann).length === 0 && original && !original.hadAnnotations) delete t.metadata.annotations;
  else t.metadata.annotations = ann;
  return { template: t, changed: true, warnings };
}
