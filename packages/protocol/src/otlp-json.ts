/**
 * OTLP/JSON logs (the protobuf JSON mapping of ExportLogsServiceRequest, as the OTLP spec profiles it):
 * lowerCamelCase field names (snake_case accepted too, as protojson does), int64 as strings or numbers,
 * enums as integers (names accepted), trace/span ids as hex, bytes as base64.
 */
import type { StreamCollector } from './collector.js';
import { InvalidPayloadError, InvalidTimestampError } from './errors.js';
import { isJsonObject, JsonNumber, NeedLossless } from './json-lossless.js';
import { labelsFromPairs } from './labels.js';
import {
  type AnyValue,
  appendRecord,
  idToHex,
  KvList,
  MAX_VALUE_DEPTH,
  mapResource,
  mapScope,
  newRecord,
  type OtlpRecord,
  resetRecord,
} from './otlp-map.js';
import type { OtlpLabelStyle, PushEntry } from './types.js';

const UINT64_MAX = 2n ** 64n - 1n;

type Obj = Record<string, unknown>;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

// Error paths are built only when an error is thrown: `where` is the parent path, `key` the field, so
// the per-record cost stays one string (the record's path), not one per field.
const at = (where: string, key: string) => (key === '' ? where : `${where}.${key}`);

function list(v: unknown, where: string, key: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidPayloadError(at(where, key), 'must be an array');
  return v;
}

function obj(v: unknown, where: string, key: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) throw new InvalidPayloadError(at(where, key), 'must be an object');
  return v;
}

function text(v: unknown, where: string, key: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new InvalidPayloadError(at(where, key), 'must be a string');
  return v;
}

/** An integer field given as a JSON string or number; beyond 2^53 only the lossless tree is exact. */
function int64(v: unknown, where: string, key: string, unsigned: boolean): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  let out: bigint | undefined;
  if (typeof v === 'string') {
    if (/^-?\d{1,20}$/.test(v)) out = BigInt(v);
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      if (Number.isInteger(v)) throw new NeedLossless();
    } else out = BigInt(v);
  } else if (v instanceof JsonNumber) {
    if (/^-?\d{1,20}$/.test(v.raw)) out = BigInt(v.raw);
    else {
      const n = Number(v.raw);
      if (Number.isSafeInteger(n)) out = BigInt(n);
    }
  }
  if (
    out === undefined ||
    (unsigned && (out < 0n || out > UINT64_MAX)) ||
    (!unsigned && BigInt.asIntN(64, out) !== out)
  ) {
    const shown = String(v instanceof JsonNumber ? v.raw : typeof v === 'object' ? typeName(v) : v);
    const reason = `expected a ${unsigned ? 'uint64' : 'int64'} as a decimal string or a JSON number`;
    if (unsigned)
      throw new InvalidTimestampError(at(where, key), shown, `${reason} of nanoseconds since the Unix epoch`);
    throw new InvalidPayloadError(at(where, key), `${reason}, got ${JSON.stringify(shown)}`);
  }
  return out;
}

const SEVERITY_NAMES: Record<string, number> = Object.assign(Object.create(null), {
  SEVERITY_NUMBER_UNSPECIFIED: 0,
});
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, k) => {
  SEVERITY_NAMES[`SEVERITY_NUMBER_${name}`] = k * 4 + 1;
  for (let n = 2; n <= 4; n++) SEVERITY_NAMES[`SEVERITY_NUMBER_${name}${n}`] = k * 4 + n;
});

function smallInt(v: unknown, where: string, key: string, enumNames?: Record<string, number>): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v instanceof JsonNumber && Number.isInteger(Number(v.raw))) return Number(v.raw);
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return Number(v);
    if (enumNames !== undefined && v in enumNames) return enumNames[v]!;
  }
  throw new InvalidPayloadError(at(where, key), 'must be an integer');
}

/** trace/span id: hex per the OTLP/JSON spec; base64 (generic protojson) accepted as a fallback. */
function id(v: unknown, where: string, key: string, bytes: number): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') throw new InvalidPayloadError(at(where, key), 'must be a hex string');
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return idToHex(Buffer.from(v, 'hex'));
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const b = Buffer.from(v, 'base64');
    if (b.length === bytes) return idToHex(b);
  }
  throw new InvalidPayloadError(at(where, key), `must be ${bytes * 2} hex digits`);
}

function anyValue(v: unknown, where: string, key: string, depth: number): AnyValue {
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) {
    throw new InvalidPayloadError(
      at(where, key),
      'an AnyValue must be an object like {"stringValue": "..."}',
    );
  }
  const here = () => at(where, key);
  if (depth > MAX_VALUE_DEPTH) throw new InvalidPayloadError(here(), 'AnyValue nested too deeply');
  let x = field(v, 'stringValue', 'string_value');
  if (x !== undefined) return text(x, here(), 'stringValue');
  x = field(v, 'boolValue', 'bool_value');
  if (x !== undefined) {
    if (typeof x !== 'boolean') throw new InvalidPayloadError(`${here()}.boolValue`, 'must be true or false');
    return x;
  }
  x = field(v, 'intValue', 'int_value');
  if (x !== undefined) return int64(x, where, `${key}.intValue`, false);
  x = field(v, 'doubleValue', 'double_value');
  if (x !== undefined) {
    if (typeof x === 'number') return x;
    if (x instanceof JsonNumber) return Number(x.raw);
    if (
      x === 'NaN' ||
      x === 'Infinity' ||
      x === '-Infinity' ||
      (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x)))
    ) {
      return Number(x);
    }
    throw new InvalidPayloadError(`${here()}.doubleValue`, 'must be a number');
  }
  x = field(v, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const a = obj(x, here(), 'arrayValue');
    const values = a === undefined ? [] : list(a.values, here(), 'arrayValue.values');
    return values.map((e, k) => anyValue(e, here(), `arrayValue.values[${k}]`, depth + 1));
  }
  x = field(v, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const a = obj(x, here(), 'kvlistValue');
    const values = a === undefined ? [] : list(a.values, here(), 'kvlistValue.values');
    return new KvList(values.map((e, k) => keyValue(e, `${here()}.kvlistValue.values[${k}]`, depth + 1)));
  }
  x = field(v, 'bytesValue', 'bytes_value');
  if (x !== undefined) return new Uint8Array(Buffer.from(text(x, here(), 'bytesValue'), 'base64'));
  return undefined;
}

function keyValue(v: unknown, where: string, depth: number): [string, AnyValue] {
  const o = obj(v, where, '');
  if (o === undefined) return ['', undefined];
  return [text(o.key, where, 'key'), anyValue(o.value, where, 'value', depth)];
}

/** Appends a JSON attribute list to `out`. */
function attributes(
  v: unknown,
  where: string,
  key: string,
  out: Array<[string, AnyValue]> = [],
): Array<[string, AnyValue]> {
  const items = list(v, where, key);
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    // Only a malformed item needs its path; build it then.
    out.push(
      isJsonObject(item) && typeof item.key === 'string' && isJsonObject(item.value)
        ? [item.key, anyValue(item.value, `${at(where, key)}[${k}]`, 'value', 0)]
        : keyValue(item, `${at(where, key)}[${k}]`, 0),
    );
  }
  return out;
}

function record(o: Obj, where: string, reused: OtlpRecord): OtlpRecord {
  const r = resetRecord(reused);
  r.timeUnixNano = int64(field(o, 'timeUnixNano', 'time_unix_nano'), where, 'timeUnixNano', true);
  r.observedTimeUnixNano = int64(
    field(o, 'observedTimeUnixNano', 'observed_time_unix_nano'),
    where,
    'observedTimeUnixNano',
    true,
  );
  r.severityNumber = smallInt(
    field(o, 'severityNumber', 'severity_number'),
    where,
    'severityNumber',
    SEVERITY_NAMES,
  );
  r.severityText = text(field(o, 'severityText', 'severity_text'), where, 'severityText');
  r.body = anyValue(o.body, where, 'body', 0);
  if (o.attributes !== undefined) attributes(o.attributes, where, 'attributes', r.attributes);
  r.droppedAttributesCount = smallInt(
    field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
    where,
    'droppedAttributesCount',
  );
  r.flags = smallInt(o.flags, where, 'flags');
  r.traceId = id(field(o, 'traceId', 'trace_id'), where, 'traceId', 16);
  r.spanId = id(field(o, 'spanId', 'span_id'), where, 'spanId', 8);
  r.eventName = text(field(o, 'eventName', 'event_name'), where, 'eventName');
  return r;
}

/** Decodes an OTLP/JSON body tree into the collector. */
export function walkOtlpJson(
  root: unknown,
  out: StreamCollector,
  style: OtlpLabelStyle,
  now: () => bigint,
): void {
  const top = obj(root, '$', '');
  if (top === undefined) throw new InvalidPayloadError('$', 'expected an object {"resourceLogs": [...]}');
  const rls = list(field(top, 'resourceLogs', 'resource_logs'), 'resourceLogs', '');
  const reused = newRecord();
  for (let i = 0; i < rls.length; i++) {
    out.countStream();
    const where = `resourceLogs[${i}]`;
    const rl = obj(rls[i], where, '');
    if (rl === undefined) continue;
    const resource = obj(rl.resource, where, 'resource');
    const mapping = mapResource(
      resource === undefined ? [] : attributes(resource.attributes, where, 'resource.attributes'),
      style,
    );
    const entries: PushEntry[] = [];
    let lineBytes = 0;
    const sls = list(field(rl, 'scopeLogs', 'scope_logs'), where, 'scopeLogs');
    for (let k = 0; k < sls.length; k++) {
      const sw = `${where}.scopeLogs[${k}]`;
      const sl = obj(sls[k], sw, '');
      if (sl === undefined) continue;
      const scope = obj(sl.scope, sw, 'scope');
      const scopeMeta =
        scope === undefined
          ? []
          : mapScope(
              attributes(scope.attributes, sw, 'scope.attributes'),
              text(scope.name, sw, 'scope.name'),
              text(scope.version, sw, 'scope.version'),
              smallInt(
                field(scope, 'droppedAttributesCount', 'dropped_attributes_count'),
                sw,
                'scope.droppedAttributesCount',
              ),
            );
      const records = list(field(sl, 'logRecords', 'log_records'), sw, 'logRecords');
      out.countEntries(records.length);
      const recordsWhere = `${sw}.logRecords`;
      for (let j = 0; j < records.length; j++) {
        const ro = records[j];
        if (ro === undefined || ro === null) continue;
        const rw = `${recordsWhere}[${j}]`;
        if (!isJsonObject(ro)) throw new InvalidPayloadError(rw, 'must be an object');
        lineBytes += appendRecord(entries, record(ro, rw, reused), mapping.metadata, scopeMeta, now);
      }
    }
    out.keep(out.streamForParsed(labelsFromPairs(mapping.labels)), entries, lineBytes);
  }
}
