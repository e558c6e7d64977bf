import type { RejectedEntries } from './types.js';

/**
 * The response text for a partially accepted push, grouped like Loki's distributor does
 * (`N errors like: <message>`, groups joined by newlines).
 */
export function formatRejections(rejected: readonly RejectedEntries[]): string {
  const groups = new Map<string, number>();
  for (const r of rejected) groups.set(r.error.message, (groups.get(r.error.message) ?? 0) + r.entries);
  return [...groups].map(([message, n]) => `${n} errors like: ${message}`).join('\n');
}
