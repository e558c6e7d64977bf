import jsonPatch from 'fast-json-patch';
import mergePatch from 'json-merge-patch';
import { statusErrors } from './status.js';

/** The patch media types the server accepts, as the real API server names them. */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Patch merge keys of the lists the strategic merge patch merges by key (from the Kubernetes API's
 * `x-kubernetes-patch-merge-key`); any other list is replaced whole, as in the real server.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
};

function parseBody(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch (err) {
    throw statusErrors.badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

function strategicMergeList(key: string, original: Json[], patch: Json[]): Json[] {
  const mergeKey = MERGE_KEYS[key];
  if (!mergeKey || !original.every(isObject) || !patch.every(isObject)) {
    return patch.filter((p) => !(isObject(p) && Object.keys(p).some((k) => k.startsWith('$'))));
  }
  const result = (original as JsonObject[]).map((o) => structuredClone(o));
  const added: JsonObject[] = [];
  for (const p of patch as JsonObject[]) {
    if (p.$patch === 'replace') return patch.filter((x) => isObject(x) && x.$patch !== 'replace');
    const idx = result.findIndex((o) => o[mergeKey] === p[mergeKey]);
    if (p.$patch === 'delete') {
      if (idx >= 0) result.splice(idx, 1);
      continue;
    }
    if (idx >= 0) result[idx] = strategicMerge(result[idx]!, p) as JsonObject;
    else added.push(strategicMerge({}, p) as JsonObject);
  }
  // The real API server puts items the patch adds before the existing ones.
  return [...added, ...result];
}

/** Strategic merge patch for the built-in types: maps merge, keyed lists merge by key, `$patch` directives. */
export function strategicMerge(original: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return null;
  const out: JsonObject = isObject(original) ? structuredClone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys' || key === '$patch') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(value)) out[field] = cur.filter((x) => !value.includes(x));
      continue;
    }
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      const cur = out[key];
      out[key] = strategicMergeList(key, Array.isArray(cur) ? cur : [], value);
    } else if (isObject(value)) {
      const merged = strategicMerge(out[key] ?? null, value);
      if (merged === null) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Applies a patch body of the given media type to a copy of `current`. JSON Patch (RFC 6902) through
 * fast-json-patch, merge patch (RFC 7386) through json-merge-patch. Errors are Status errors with the
 * real server's codes: 400 for an undecodable body, 422 for a patch that cannot be applied (including a
 * failed `test` operation), 415 for an unknown or unsupported media type.
 */
export function applyPatchBody<T>(current: T, contentType: string, body: string): T {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const doc = structuredClone(current) as unknown as Json;
  switch (type) {
    case PATCH_TYPES.json: {
      const ops = parseBody(body);
      if (!Array.isArray(ops)) throw statusErrors.badRequest('json patch must be an array of operations');
      try {
        return jsonPatch.applyPatch(doc, ops as never, true, true).newDocument as unknown as T;
      } catch (err) {
        const e = err as { name?: string; message?: string };
        if (
          e.name === 'TEST_OPERATION_FAILED' ||
          e.name?.startsWith('OPERATION_') ||
          e.name === 'SEQUENCE_NOT_AN_ARRAY'
        ) {
          throw statusErrors.unprocessable(
            `the server rejected our request due to an error in our request: ${e.message?.split('\n')[0]}`,
          );
        }
        throw statusErrors.unprocessable(
          `the server rejected our request due to an error in our request: ${e.message}`,
        );
      }
    }
    case PATCH_TYPES.merge: {
      const p = parseBody(body);
      if (!isObject(p)) throw statusErrors.badRequest('merge patch must be a JSON object');
      return mergePatch.apply(doc, p) as T;
    }
    case PATCH_TYPES.strategic: {
      const p = parseBody(body);
      if (!isObject(p)) throw statusErrors.badRequest('strategic merge patch must be a JSON object');
      return strategicMerge(doc, p) as unknown as T;
    }
    default:
      throw statusErrors.unsupportedMediaType(type);
  }
}
