/**
 * Service attribution from a label set, with one fixed precedence used everywhere (TUI talkers,
 * triage, diff): `app.kubernetes.io/name`, then `app`, then `container`, then `pod`, then the first
 * label by sorted key. Never "the first map value", whose order depends on the producer.
 */

export const SERVICE_LABELS = ['app.kubernetes.io/name', 'app', 'container', 'pod'] as const;

export interface Service {
  /** The label key the name came from (`''` when the entry has no labels). */
  key: string;
  /** The service name (`'(none)'` when the entry has no labels). */
  name: string;
}

const NONE: Service = { key: '', name: '(none)' };

/** The service of an entry's labels. */
export function serviceOf(labels: Readonly<Record<string, string>>): Service {
  for (const k of SERVICE_LABELS) {
    const v = labels[k];
    if (v !== undefined && v !== '') return { key: k, name: v };
  }
  let best: string | undefined;
  for (const k in labels) {
    if (labels[k] === '' || !Object.hasOwn(labels, k)) continue;
    if (best === undefined || k < best) best = k;
  }
  return best === undefined ? NONE : { key: best, name: labels[best]! };
}
