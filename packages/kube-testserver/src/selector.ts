import { statusErrors } from './status.js';

/** One requirement of a label selector (the grammar of k8s.io/apimachinery/pkg/labels). */
export interface Requirement {
  key: string;
  op: 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin';
  values: string[];
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits at commas that are not inside a `( … )` value set. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key) || key.length > 316) {
    throw statusErrors.badRequest(
      `unable to parse requirement: invalid label key "${key}" in selector "${whole}"`,
    );
  }
  return key;
}

function checkValue(v: string, whole: string): string {
  if (!VALUE.test(v) || v.length > 63) {
    throw statusErrors.badRequest(
      `unable to parse requirement: invalid label value "${v}" in selector "${whole}"`,
    );
  }
  return v;
}

/** Parses a label selector string; throws a 400 Status error on bad syntax, like the real server. */
export function parseLabelSelector(selector: string): Requirement[] {
  const out: Requirement[] = [];
  if (selector.trim() === '') return out;
  for (const raw of splitTop(selector)) {
    const part = raw.trim();
    if (part === '')
      throw statusErrors.badRequest(`found ',', expected: identifier in selector "${selector}"`);
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (set) {
      const values = set[3]!.split(',').map((v) => checkValue(v.trim(), selector));
      if (values.length === 0 || (values.length === 1 && values[0] === '')) {
        throw statusErrors.badRequest(
          `for 'in', 'notin' operators, values set can't be empty in selector "${selector}"`,
        );
      }
      out.push({ key: checkKey(set[1]!, selector), op: set[2] as 'in' | 'notin', values });
      continue;
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (cmp) {
      const op = cmp[2] === '!=' ? '!=' : '=';
      out.push({ key: checkKey(cmp[1]!, selector), op, values: [checkValue(cmp[3]!, selector)] });
      continue;
    }
    if (part.startsWith('!')) {
      out.push({ key: checkKey(part.slice(1).trim(), selector), op: '!exists', values: [] });
      continue;
    }
    out.push({ key: checkKey(part, selector), op: 'exists', values: [] });
  }
  return out;
}

export function matchesLabels(
  reqs: readonly Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = has ? l[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
      case 'in':
        return has && r.values.includes(v as string);
      case '!=':
      case 'notin':
        return !has || !r.values.includes(v as string);
    }
    return false;
  });
}

/** Field selectors the server supports for every kind, plus a few per kind (as the real server). */
const FIELDS_BY_KIND: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
  Namespace: ['status.phase'],
};

export interface FieldRequirement {
  path: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(selector: string, kind: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  if (selector.trim() === '') return out;
  const allowed = ['metadata.name', 'metadata.namespace', ...(FIELDS_BY_KIND[kind] ?? [])];
  for (const raw of selector.split(',')) {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw statusErrors.badRequest(`invalid field selector: "${selector}"`);
    if (!allowed.includes(m[1]!)) throw statusErrors.badRequest(`field label not supported: ${m[1]}`);
    out.push({ path: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! });
  }
  return out;
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => {
    let cur: unknown = obj;
    for (const seg of r.path.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[seg];
    const v = typeof cur === 'string' ? cur : '';
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}
