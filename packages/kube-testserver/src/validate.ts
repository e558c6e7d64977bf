import type { ResourceType } from './resources.js';
import { type StatusCause, statusErrors } from './status.js';
import type { KubeObject } from './store.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const TOTAL_ANNOTATION_BYTES = 256 * 1024;
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});

function metaCauses(meta: Obj, path: string, causes: StatusCause[]): void {
  const labels = asObj(meta.labels);
  for (const [k, v] of Object.entries(labels)) {
    if (!QUALIFIED_NAME.test(k))
      causes.push(
        invalidCause(
          `${path}.labels`,
          `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
        ),
      );
    if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63) {
      causes.push(
        invalidCause(
          `${path}.labels`,
          `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
        ),
      );
    }
  }
  let size = 0;
  for (const [k, v] of Object.entries(asObj(meta.annotations))) {
    if (!QUALIFIED_NAME.test(k))
      causes.push(
        invalidCause(
          `${path}.annotations`,
          `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
        ),
      );
    if (typeof v !== 'string')
      causes.push(invalidCause(`${path}.annotations`, `Invalid value: annotation "${k}" must be a string`));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_BYTES) {
    causes.push({
      reason: 'FieldValueTooLong',
      field: `${path}.annotations`,
      message: `Too long: may not be more than ${TOTAL_ANNOTATION_BYTES} bytes`,
    });
  }
}

function invalidCause(field: string, message: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message };
}

function podSpecCauses(spec: Obj, path: string, causes: StatusCause[]): void {
  const containers = Array.isArray(spec.containers) ? (spec.containers as Obj[]) : [];
  if (containers.length === 0)
    causes.push({ reason: 'FieldValueRequired', field: `${path}.containers`, message: 'Required value' });
  const volumes = new Set<string>();
  (Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : []).forEach((v, i) => {
    const name = String(v.name ?? '');
    if (volumes.has(name))
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${path}.volumes[${i}].name`,
        message: `Duplicate value: "${name}"`,
      });
    volumes.add(name);
  });
  const names = new Set<string>();
  const check = (list: unknown, field: string) => {
    (Array.isArray(list) ? (list as Obj[]) : []).forEach((c, i) => {
      const name = String(c.name ?? '');
      if (!DNS1123_LABEL.test(name) || name.length > 63) {
        causes.push(
          invalidCause(
            `${path}.${field}[${i}].name`,
            `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
          ),
        );
      }
      if (names.has(name))
        causes.push({
          reason: 'FieldValueDuplicate',
          field: `${path}.${field}[${i}].name`,
          message: `Duplicate value: "${name}"`,
        });
      names.add(name);
      if (!c.image)
        causes.push({
          reason: 'FieldValueRequired',
          field: `${path}.${field}[${i}].image`,
          message: 'Required value',
        });
      (Array.isArray(c.volumeMounts) ? (c.volumeMounts as Obj[]) : []).forEach((m, j) => {
        if (!volumes.has(String(m.name))) {
          causes.push({
            reason: 'FieldValueNotFound',
            field: `${path}.${field}[${i}].volumeMounts[${j}].name`,
            message: `Not found: "${String(m.name)}"`,
          });
        }
      });
    });
  };
  check(spec.initContainers, 'initContainers');
  check(spec.containers, 'containers');
}

function selectorMatches(selector: Obj, labels: Obj): boolean {
  const ml = asObj(selector.matchLabels);
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? (selector.matchExpressions as Obj[]) : [];
  return exprs.every((e) => {
    const has = Object.hasOwn(labels, String(e.key));
    const vals = (e.values as string[] | undefined) ?? [];
    switch (e.operator) {
      case 'In':
        return has && vals.includes(String(labels[String(e.key)]));
      case 'NotIn':
        return !has || !vals.includes(String(labels[String(e.key)]));
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
    return false;
  });
}

/**
 * Validates an object the way the real API server would for the fields logtap touches (names, labels,
 * annotations, pod templates, workload selectors, RBAC rules). Throws a 422 Invalid Status error.
 */
export function validateObject(t: ResourceType, obj: KubeObject, old?: KubeObject): void {
  const causes: StatusCause[] = [];
  const meta = asObj(obj.metadata);
  const name = String(meta.name ?? '');
  const nameRe = t.kind === 'Namespace' ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (!nameRe.test(name) || name.length > 253) {
    causes.push(
      invalidCause(
        'metadata.name',
        `Invalid value: "${name}": a lowercase RFC 1123 name must consist of lower case alphanumeric characters, '-' or '.'`,
      ),
    );
  }
  metaCauses(meta, 'metadata', causes);
  const spec = asObj(obj.spec);
  if (t.kind === 'Pod') podSpecCauses(spec, 'spec', causes);
  if (WORKLOADS.has(t.kind)) {
    const template = asObj(spec.template);
    const tmeta = asObj(template.metadata);
    metaCauses(tmeta, 'spec.template.metadata', causes);
    podSpecCauses(asObj(template.spec), 'spec.template.spec', causes);
    const selector = spec.selector;
    if (!selector)
      causes.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
    else if (!selectorMatches(asObj(selector), asObj(tmeta.labels))) {
      causes.push(
        invalidCause('spec.template.metadata.labels', '`selector` does not match template `labels`'),
      );
    }
    if (old && JSON.stringify(asObj(old.spec).selector) !== JSON.stringify(selector)) {
      causes.push(invalidCause('spec.selector', 'field is immutable'));
    }
  }
  if (t.kind === 'Role' || t.kind === 'ClusterRole') {
    (Array.isArray(obj.rules) ? (obj.rules as Obj[]) : []).forEach((rule, i) => {
      if (!Array.isArray(rule.verbs) || rule.verbs.length === 0) {
        causes.push({
          reason: 'FieldValueRequired',
          field: `rules[${i}].verbs`,
          message: 'Required value: verbs must contain at least one value',
        });
      }
    });
  }
  if (t.kind === 'RoleBinding' || t.kind === 'ClusterRoleBinding') {
    if (!obj.roleRef)
      causes.push({ reason: 'FieldValueRequired', field: 'roleRef', message: 'Required value' });
    if (old && JSON.stringify(old.roleRef) !== JSON.stringify(obj.roleRef)) {
      causes.push(invalidCause('roleRef', 'cannot change roleRef'));
    }
  }
  if (causes.length > 0) throw statusErrors.invalid(t, name, causes);
}
