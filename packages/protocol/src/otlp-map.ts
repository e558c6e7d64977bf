/**
 * OTLP logs → Loki streams, following Loki's OTLP ingestion (pkg/loghttp/push/otlp.go, default config):
 * the "blessed" resource attributes become stream labels, every other resource attribute, the scope's
 * attributes/name/version and the record's attributes and fields become structured metadata; the body
 * becomes the line. See docs/protocol.md for the tables.
 */
import { newMetadata } from './collector.js';
import type { OtlpLabelStyle, PushEntry } from './types.js';

/** AnyValue nesting (arrays / kvlists in attributes or bodies) is bounded to keep recursion shallow. */
export const MAX_VALUE_DEPTH = 64;

/** An OTLP AnyValue: string, bool, int (bigint), double (number), bytes, array, kvlist, or empty. */
export type AnyValue = string | boolean | bigint | number | Uint8Array | AnyValue[] | KvList | undefined;

/** AnyValue.kvlist_value, and attribute lists: key/value pairs in wire order. */
export class KvList {
  constructor(readonly entries: Array<[string, AnyValue]>) {}
}

/**
 * Loki's default `resource_attributes` promoted to index labels (otlp_config.go `blessedAttributes`,
 * plus `deployment.environment.name`, the current semconv name of `deployment.environment`), in
 * priority order, with the label name for each style.
 */
export const OTLP_RESOURCE_LABELS: ReadonlyArray<{ attribute: string; logtap: string; loki: string }> = [
  { attribute: 'service.name', logtap: 'service_name', loki: 'service_name' },
  { attribute: 'service.namespace', logtap: 'service_namespace', loki: 'service_namespace' },
  { attribute: 'service.instance.id', logtap: 'service_instance_id', loki: 'service_instance_id' },
  { attribute: 'deployment.environment', logtap: 'deployment_environment', loki: 'deployment_environment' },
  {
    attribute: 'deployment.environment.name',
    logtap: 'deployment_environment_name',
    loki: 'deployment_environment_name',
  },
  { attribute: 'cloud.region', logtap: 'cloud_region', loki: 'cloud_region' },
  {
    attribute: 'cloud.availability_zone',
    logtap: 'cloud_availability_zone',
    loki: 'cloud_availability_zone',
  },
  { attribute: 'k8s.cluster.name', logtap: 'cluster', loki: 'k8s_cluster_name' },
  { attribute: 'k8s.namespace.name', logtap: 'namespace', loki: 'k8s_namespace_name' },
  { attribute: 'k8s.pod.name', logtap: 'pod', loki: 'k8s_pod_name' },
  { attribute: 'k8s.container.name', logtap: 'container', loki: 'k8s_container_name' },
  { attribute: 'container.name', logtap: 'container', loki: 'container_name' },
  { attribute: 'k8s.replicaset.name', logtap: 'replicaset', loki: 'k8s_replicaset_name' },
  { attribute: 'k8s.deployment.name', logtap: 'deployment', loki: 'k8s_deployment_name' },
  { attribute: 'k8s.statefulset.name', logtap: 'statefulset', loki: 'k8s_statefulset_name' },
  { attribute: 'k8s.daemonset.name', logtap: 'daemonset', loki: 'k8s_daemonset_name' },
  { attribute: 'k8s.cronjob.name', logtap: 'cronjob', loki: 'k8s_cronjob_name' },
  { attribute: 'k8s.job.name', logtap: 'job', loki: 'k8s_job_name' },
];

const LABEL_PRIORITY = new Map(OTLP_RESOURCE_LABELS.map((e, k) => [e.attribute, k]));

const normalizeCache = new Map<string, string>();

/**
 * Attribute key → Loki label / metadata name (prometheus otlptranslator NormalizeLabel): every character
 * outside `[a-zA-Z0-9_]` becomes `_`; a leading digit gets `key_`, a single leading `_` gets `key`.
 */
export function normalizeLabelName(key: string): string {
  const hit = normalizeCache.get(key);
  if (hit !== undefined) return hit;
  let out = '';
  for (const ch of key) {
    const c = ch.charCodeAt(0);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    out += ok ? ch : '_';
  }
  if (out.length > 0) {
    const c = out.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) out = `key_${out}`;
    else if (c === 0x5f && out.charCodeAt(1) !== 0x5f) out = `key${out}`;
  }
  // Attribute keys repeat across records; the cache is bounded so hostile keys cannot grow it forever.
  if (normalizeCache.size < 4096) normalizeCache.set(key, out);
  return out;
}

/** pdata Value.AsString() for a double: ECMAScript number-to-string (Go float64AsString does the same). */
function doubleToString(v: number): string {
  return String(v);
}

/** pdata Value.AsString(): how a non-string value becomes a line or a metadata value. */
export function anyToString(v: AnyValue): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return doubleToString(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return anyToJson(v);
}

/** JSON of a value as Go's json.Marshal(Value.AsRaw()) writes it: map keys sorted, bytes as base64. */
export function anyToJson(v: AnyValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
  if (v instanceof Uint8Array) return JSON.stringify(anyToString(v));
  if (Array.isArray(v)) return `[${v.map(anyToJson).join(',')}]`;
  const sorted = [...v.entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [k, val] of sorted) {
    if (seen.has(k)) continue; // a map holds each key once
    seen.add(k);
    parts.push(`${JSON.stringify(k)}:${anyToJson(val)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Loki attributeToLabels: a kvlist flattens into `parent_child` names, anything else is one pair. */
export function flattenAttribute(
  key: string,
  v: AnyValue,
  prefix: string,
  out: Array<[string, string]>,
  depth = 0,
): void {
  const name = normalizeLabelName(prefix === '' ? key : `${prefix}_${key}`);
  if (v instanceof KvList && depth < 32) {
    for (const [k, child] of v.entries) flattenAttribute(k, child, name, out, depth + 1);
    return;
  }
  out.push([name, anyToString(v)]);
}

/** Result of mapping a Resource: its stream label pairs and the structured metadata it adds to entries. */
export interface ResourceMapping {
  labels: Array<[string, string]>;
  metadata: Array<[string, string]>;
}

/** Splits resource attributes into stream labels (the table above) and structured metadata. */
export function mapResource(attributes: Array<[string, AnyValue]>, style: OtlpLabelStyle): ResourceMapping {
  const promoted: Array<[number, string, AnyValue]> = [];
  const metadata: Array<[string, string]> = [];
  for (const [key, value] of attributes) {
    const priority = LABEL_PRIORITY.get(key);
    if (priority === undefined) flattenAttribute(key, value, '', metadata);
    else promoted.push([priority, key, value]);
  }
  const labels: Array<[string, string]> = [];
  if (promoted.length > 0) {
    promoted.sort((a, b) => a[0] - b[0]);
    const taken = new Set<string>();
    for (const [priority, key, value] of promoted) {
      const entry = OTLP_RESOURCE_LABELS[priority]!;
      const name = style === 'loki' ? entry.loki : entry.logtap;
      const flat: Array<[string, string]> = [];
      flattenAttribute(key, value, '', flat);
      for (const [flatName, flatValue] of flat) {
        // A plain value takes the table's name; a (rare) kvlist keeps Loki's flattened names.
        const labelName = flat.length === 1 && flatName === normalizeLabelName(key) ? name : flatName;
        if (flatValue === '' || taken.has(labelName)) continue; // e.g. container.name after k8s.container.name
        taken.add(labelName);
        labels.push([labelName, flatValue]);
      }
    }
  }
  return { labels, metadata };
}

/** Structured metadata of a scope: its attributes, then scope_name / scope_version / dropped count. */
export function mapScope(
  attributes: Array<[string, AnyValue]>,
  name: string,
  version: string,
  droppedAttributesCount: number,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of attributes) flattenAttribute(key, value, '', out);
  if (name !== '') out.push(['scope_name', name]);
  if (version !== '') out.push(['scope_version', version]);
  if (droppedAttributesCount !== 0)
    out.push(['scope_dropped_attributes_count', String(droppedAttributesCount)]);
  return out;
}

/** The fields of one LogRecord that matter for the mapping. */
export interface OtlpRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Array<[string, AnyValue]>;
  droppedAttributesCount: number;
  flags: number;
  /** Lower-case hex, '' when absent or all zero. */
  traceId: string;
  spanId: string;
  eventName: string;
}

export function newRecord(): OtlpRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: undefined,
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
}

/** Clears a record for reuse: the decoders map one record at a time, so one object serves them all. */
export function resetRecord(r: OtlpRecord): OtlpRecord {
  r.timeUnixNano = 0n;
  r.observedTimeUnixNano = 0n;
  r.severityNumber = 0;
  r.severityText = '';
  r.body = undefined;
  r.attributes.length = 0;
  r.droppedAttributesCount = 0;
  r.flags = 0;
  r.traceId = '';
  r.spanId = '';
  r.eventName = '';
  return r;
}

const SMALL_INTS = Array.from({ length: 32 }, (_, k) => String(k));
const intString = (n: number) => (n >= 0 && n < 32 ? SMALL_INTS[n]! : String(n));

/**
 * Structured metadata of one record, in Loki's order; on a name clash the first value is kept (a record
 * attribute wins over resource and scope metadata of the same name).
 */
export function recordMetadata(
  r: OtlpRecord,
  resourceMeta: Array<[string, string]>,
  scopeMeta: Array<[string, string]>,
): Record<string, string> | undefined {
  const meta = newMetadata();
  let n = 0;
  if (r.attributes.length > 0) {
    const flat: Array<[string, string]> = [];
    for (const [key, value] of r.attributes) flattenAttribute(key, value, '', flat);
    for (const [k, v] of flat) {
      if (meta[k] === undefined) {
        meta[k] = v;
        n++;
      }
    }
  }
  // Fixed names: `meta.x === undefined` checks hit V8's inline caches, unlike `in` with a variable key.
  if (r.timeUnixNano !== 0n && r.observedTimeUnixNano !== 0n && meta.observed_timestamp === undefined) {
    meta.observed_timestamp = r.observedTimeUnixNano.toString();
    n++;
  }
  if (r.severityNumber !== 0 && meta.severity_number === undefined) {
    meta.severity_number = intString(r.severityNumber);
    n++;
  }
  if (r.severityText !== '' && meta.severity_text === undefined) {
    meta.severity_text = r.severityText;
    n++;
  }
  if (r.droppedAttributesCount !== 0 && meta.dropped_attributes_count === undefined) {
    meta.dropped_attributes_count = intString(r.droppedAttributesCount);
    n++;
  }
  if (r.flags !== 0 && meta.flags === undefined) {
    meta.flags = intString(r.flags);
    n++;
  }
  if (r.traceId !== '' && meta.trace_id === undefined) {
    meta.trace_id = r.traceId;
    n++;
  }
  if (r.spanId !== '' && meta.span_id === undefined) {
    meta.span_id = r.spanId;
    n++;
  }
  if (r.eventName !== '' && meta.event_name === undefined) {
    meta.event_name = r.eventName;
    n++;
  }
  for (let k = 0; k < resourceMeta.length; k++) {
    const [name, value] = resourceMeta[k]!;
    if (meta[name] === undefined) {
      meta[name] = value;
      n++;
    }
  }
  for (let k = 0; k < scopeMeta.length; k++) {
    const [name, value] = scopeMeta[k]!;
    if (meta[name] === undefined) {
      meta[name] = value;
      n++;
    }
  }
  return n === 0 ? undefined : meta;
}

/**
 * Appends a mapped record to its stream's entries as Loki would store it (body as the line, timestamp,
 * structured metadata) and returns the line's UTF-8 byte length.
 */
export function appendRecord(
  entries: PushEntry[],
  rec: OtlpRecord,
  resourceMeta: Array<[string, string]>,
  scopeMeta: Array<[string, string]>,
  now: () => bigint,
): number {
  const line = typeof rec.body === 'string' ? rec.body : anyToString(rec.body);
  const bytes = Buffer.byteLength(line);
  const ts = recordTimestamp(rec, now);
  const metadata = recordMetadata(rec, resourceMeta, scopeMeta);
  entries.push(metadata === undefined ? { ts, line } : { ts, line, metadata });
  return bytes;
}

/** Timestamp of a record: time, else observed time, else now (Loki timestampFromLogRecord). */
export function recordTimestamp(r: OtlpRecord, now: () => bigint): bigint {
  if (r.timeUnixNano !== 0n) return r.timeUnixNano;
  if (r.observedTimeUnixNano !== 0n) return r.observedTimeUnixNano;
  return now();
}

const HEX = Array.from({ length: 256 }, (_, k) => k.toString(16).padStart(2, '0'));

/** Lower-case hex of an id, '' when empty or all zero (pdata TraceID.IsEmpty). */
export function idToHex(b: Uint8Array): string {
  let zero = true;
  for (let k = 0; k < b.length; k++) {
    if (b[k] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return '';
  let s = '';
  for (let k = 0; k < b.length; k++) s += HEX[b[k]!];
  return s;
}
