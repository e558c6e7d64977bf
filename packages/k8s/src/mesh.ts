import { ISTIO_EXCLUDE_OUTBOUND, LINKERD_SKIP_OUTBOUND } from './constants.js';

type StringMap = Record<string, string> | undefined;

export interface MeshContext {
  templateLabels?: StringMap;
  templateAnnotations?: StringMap;
  namespaceLabels?: StringMap;
  namespaceAnnotations?: StringMap;
}

/**
 * The outbound-port bypass annotations that apply to a pod template: Linkerd's when the template or its
 * namespace enables injection (and the template does not disable it), Istio's likewise for
 * `sidecar.istio.io/inject`, `istio.io/rev` and the namespace's `istio-injection` label.
 */
export function meshBypassKeys(ctx: MeshContext): string[] {
  const ta = ctx.templateAnnotations ?? {};
  const tl = ctx.templateLabels ?? {};
  const na = ctx.namespaceAnnotations ?? {};
  const nl = ctx.namespaceLabels ?? {};
  const keys: string[] = [];
  const linkerdTemplate = ta['linkerd.io/inject'];
  if (
    linkerdTemplate === 'enabled' ||
    (linkerdTemplate !== 'disabled' && na['linkerd.io/inject'] === 'enabled')
  ) {
    keys.push(LINKERD_SKIP_OUTBOUND);
  }
  const istioOff = tl['sidecar.istio.io/inject'] === 'false' || ta['sidecar.istio.io/inject'] === 'false';
  const istioOn =
    tl['sidecar.istio.io/inject'] === 'true' ||
    ta['sidecar.istio.io/inject'] === 'true' ||
    Boolean(tl['istio.io/rev'] ?? ta['istio.io/rev']) ||
    nl['istio-injection'] === 'enabled' ||
    (Boolean(nl['istio.io/rev']) && nl['istio-injection'] !== 'disabled');
  if (istioOn && !istioOff) keys.push(ISTIO_EXCLUDE_OUTBOUND);
  return keys;
}

/** Splits a comma-separated port list as the meshes read it (spaces allowed, empty items dropped). */
export function splitPorts(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Whether `port` is covered by a list item (`3100`, or a range `3000-3200` as both meshes accept). */
function covers(item: string, port: number): boolean {
  const range = /^(\d+)-(\d+)$/.exec(item);
  if (range) return Number(range[1]) <= port && port <= Number(range[2]);
  return item === String(port);
}

/** The list with `port` appended unless already covered; the user's own items and spacing are kept. */
export function addPort(value: string | null | undefined, port: number): string {
  const items = splitPorts(value);
  if (items.some((i) => covers(i, port))) return value ?? String(port);
  return value && value.trim() !== '' ? `${value.replace(/[\s,]+$/, '')},${port}` : String(port);
}

/** The list without the exact items in `ports`; `null` when nothing is left. */
export function removePorts(value: string | null | undefined, ports: readonly number[]): string | null {
  const drop = new Set(ports.map(String));
  const kept = splitPorts(value).filter((i) => !drop.has(i));
  return kept.length === 0 ? null : kept.join(',');
}
