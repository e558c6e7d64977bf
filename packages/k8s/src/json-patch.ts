import type { PatchOp } from './client.js';

/** JSON Pointer escaping (RFC 6901): annotation keys such as `logtap.dev/tapped` contain a `/`. */
export function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** If `after` is `before` with some items removed and some appended (order kept), the indices removed and the items added. */
function listEdit(before: unknown[], after: unknown[]): { removed: number[]; added: unknown[] } | undefined {
  const removed: number[] = [];
  let j = 0;
  for (let i = 0; i < before.length; i++) {
    if (j < after.length && same(before[i], after[j])) j++;
    else removed.push(i);
  }
  return { removed, added: after.slice(j) };
}

function diffInto(ops: PatchOp[], path: string, before: unknown, after: unknown): void {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) ops.push({ op: 'remove', path: `${path}${pointer(key)}` });
    }
    for (const [key, value] of Object.entries(after)) {
      const p = `${path}${pointer(key)}`;
      if (!Object.hasOwn(before, key)) ops.push({ op: 'add', path: p, value });
      else diffInto(ops, p, before[key], value);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const edit = listEdit(before, after);
    if (edit) {
      // Highest index first, so earlier removals do not shift the later ones.
      for (const i of [...edit.removed].reverse()) ops.push({ op: 'remove', path: `${path}/${i}` });
      for (const v of edit.added) ops.push({ op: 'add', path: `${path}/-`, value: v });
      return;
    }
  }
  ops.push({ op: 'replace', path, value: after });
}

/**
 * The JSON Patch that turns `before` into `after`, both at `basePath` of the object, preceded by a
 * `replace` of metadata.resourceVersion with the version that was read: the API server then rejects the
 * patch with 409 Conflict if anyone changed the object in between (optimistic concurrency), so a patch
 * computed from a stale read is never applied. List items are added and removed individually, never by
 * replacing the whole list.
 */
export function guardedPatch(
  resourceVersion: string,
  basePath: string,
  before: unknown,
  after: unknown,
): PatchOp[] {
  const ops: PatchOp[] = [];
  diffInto(ops, basePath, before, after);
  if (ops.length === 0) return ops;
  return [{ op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion }, ...ops];
}
