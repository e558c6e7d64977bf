import type { JsonObject } from './patch.js';

/** A LabelSelector (matchLabels + matchExpressions) as the string form list calls take. */
export function selectorToString(
  sel: { matchLabels?: Record<string, string>; matchExpressions?: JsonObject[] } | undefined,
): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const key = String(e.key);
    const values = ((e.values as string[] | undefined) ?? []).join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.join(',');
}
