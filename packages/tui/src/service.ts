/** Label keys that name a service, most specific first. */
export const SERVICE_LABEL_KEYS = [
  'app.kubernetes.io/name',
  // the same label after Loki's label-name sanitising (dots and slashes become underscores)
  'app_kubernetes_io_name',
  'app',
  'container',
  'pod',
] as const;

/**
 * The deterministic service name of a label set: `app.kubernetes.io/name` (or its sanitised
 * form `app_kubernetes_io_name`), then `app`, then `container`,
 * then `pod`, then the value of the first label by sorted key; `-` when there are no labels.
 */
export function serviceOf(labels: Readonly<Record<string, string>>): string {
  for (const k of SERVICE_LABEL_KEYS) {
    const v = labels[k];
    if (v !== undefined && v !== '') return v;
  }
  let first: string | undefined;
  for (const k in labels) if (first === undefined || k < first) first = k;
  return first === undefined ? '-' : (labels[first] ?? '-');
}
