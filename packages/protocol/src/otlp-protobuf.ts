/**
 * OTLP ExportLogsServiceRequest protobuf decoder (opentelemetry-proto logs/v1, common/v1, resource/v1;
 * the schema is in proto/ of this package). Reads the wire format directly and maps each record with
 * otlp-map.ts. Field numbers are in the comments next to the tags.
 */
import type { StreamCollector } from './collector.js';
import { BadProtobufError } from './errors.js';
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
import { ProtoReader, WireError } from './proto-reader.js';
import type { OtlpLabelStyle, PushEntry } from './types.js';

interface Ctx {
  style: OtlpLabelStyle;
  now: () => bigint;
  /** Position being decoded, for error messages (-1: not inside one). */
  resource: number;
  scope: number;
  record: number;
  /** One record object, reused for every LogRecord (mapped before the next one is read). */
  rec: OtlpRecord;
}

function describe(ctx: Ctx): string {
  if (ctx.resource < 0) return 'ExportLogsServiceRequest';
  let s = `resourceLogs[${ctx.resource}]`;
  if (ctx.scope >= 0) s += `.scopeLogs[${ctx.scope}]`;
  if (ctx.scope >= 0 && ctx.record >= 0) s += `.logRecords[${ctx.record}]`;
  return s;
}

/** Decodes an ExportLogsServiceRequest into the collector. @throws {ProtocolError} */
export function decodeOtlpProtobuf(
  buf: Buffer,
  out: StreamCollector,
  style: OtlpLabelStyle,
  now: () => bigint,
): void {
  const ctx: Ctx = { style, now, resource: -1, scope: -1, record: -1, rec: newRecord() };
  const r = new ProtoReader(buf, 0, buf.length);
  try {
    let index = 0;
    for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
      if (tag === 0x0a) {
        // resource_logs = 1
        const end = r.delimited();
        ctx.resource = index;
        resourceLogs(r, end, out, ctx);
        ctx.resource = -1;
        r.pos = end;
        r.end = buf.length;
        index++;
      } else r.skip(tag & 7);
    }
  } catch (err) {
    if (err instanceof WireError) throw new BadProtobufError(describe(ctx), err.offset, err.reason);
    throw err;
  }
}

function resourceLogs(r: ProtoReader, end: number, out: StreamCollector, ctx: Ctx): void {
  out.countStream();
  r.end = end;
  // The resource (field 1) is needed before its records are mapped; wire order is not guaranteed, so
  // scope_logs ranges are remembered and decoded after the whole ResourceLogs was scanned.
  let attributes: Array<[string, AnyValue]> = [];
  const scopes: Array<[number, number]> = [];
  for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
    if (tag === 0x0a) {
      // resource = 1 → Resource { attributes = 1 }
      const resEnd = r.delimited();
      r.end = resEnd;
      attributes = [];
      for (let t = r.tag(); t !== 0; t = r.tag()) {
        if (t === 0x0a) attributes.push(keyValue(r, r.delimited(), 0));
        else r.skip(t & 7);
      }
      r.end = end;
    } else if (tag === 0x12) {
      // scope_logs = 2
      const e = r.delimited();
      scopes.push([r.pos, e]);
      r.pos = e;
    } else r.skip(tag & 7);
  }
  const mapping = mapResource(attributes, ctx.style);
  const stream = out.streamForParsed(labelsFromPairs(mapping.labels));
  const entries: PushEntry[] = [];
  let lineBytes = 0;
  for (let k = 0; k < scopes.length; k++) {
    const [start, scopeEnd] = scopes[k]!;
    ctx.scope = k;
    ctx.record = -1;
    r.pos = start;
    r.end = scopeEnd;
    let scopeName = '';
    let scopeVersion = '';
    let scopeDropped = 0;
    let scopeAttrs: Array<[string, AnyValue]> = [];
    // Flat [start, end, start, end, ...] offsets: no tuple allocation per record.
    const records: number[] = [];
    for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
      if (tag === 0x0a) {
        // scope = 1 → InstrumentationScope { name = 1, version = 2, attributes = 3, dropped = 4 }
        const sEnd = r.delimited();
        r.end = sEnd;
        scopeAttrs = [];
        for (let t = r.tag(); t !== 0; t = r.tag()) {
          if (t === 0x0a) scopeName = str(r);
          else if (t === 0x12) scopeVersion = str(r);
          else if (t === 0x1a) scopeAttrs.push(keyValue(r, r.delimited(), 0));
          else if (t === 0x20) scopeDropped = r.uint32();
          else r.skip(t & 7);
        }
        r.end = scopeEnd;
      } else if (tag === 0x12) {
        // log_records = 2
        const e = r.delimited();
        records.push(r.pos, e);
        r.pos = e;
      } else r.skip(tag & 7);
    }
    const scopeMeta = mapScope(scopeAttrs, scopeName, scopeVersion, scopeDropped);
    out.countEntries(records.length / 2);
    for (let j = 0; j < records.length; j += 2) {
      ctx.record = j / 2;
      r.pos = records[j]!;
      r.end = records[j + 1]!;
      lineBytes += appendRecord(entries, logRecord(r, ctx.rec), mapping.metadata, scopeMeta, ctx.now);
    }
  }
  ctx.scope = -1;
  ctx.record = -1;
  out.keep(stream, entries, lineBytes);
}

function str(r: ProtoReader): string {
  return r.string();
}

function logRecord(r: ProtoReader, reused: OtlpRecord): OtlpRecord {
  const rec = resetRecord(reused);
  const end = r.end;
  for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
    switch (tag) {
      case 0x09: // time_unix_nano = 1, fixed64
        rec.timeUnixNano = r.fixed64();
        break;
      case 0x59: // observed_time_unix_nano = 11, fixed64
        rec.observedTimeUnixNano = r.fixed64();
        break;
      case 0x10: // severity_number = 2, enum
        rec.severityNumber = r.uint32() | 0;
        break;
      case 0x1a: // severity_text = 3
        rec.severityText = str(r);
        break;
      case 0x2a: {
        // body = 5, AnyValue
        const e = r.delimited();
        rec.body = anyValue(r, e, 0);
        r.pos = e;
        r.end = end;
        break;
      }
      case 0x32: // attributes = 6
        rec.attributes.push(keyValue(r, r.delimited(), 0));
        r.end = end;
        break;
      case 0x38: // dropped_attributes_count = 7
        rec.droppedAttributesCount = r.uint32();
        break;
      case 0x45: // flags = 8, fixed32
        rec.flags = r.fixed32();
        break;
      case 0x4a: {
        // trace_id = 9, bytes
        const e = r.delimited();
        rec.traceId = idToHex(r.buf.subarray(r.pos, e));
        r.pos = e;
        break;
      }
      case 0x52: {
        // span_id = 10, bytes
        const e = r.delimited();
        rec.spanId = idToHex(r.buf.subarray(r.pos, e));
        r.pos = e;
        break;
      }
      case 0x62: // event_name = 12
        rec.eventName = str(r);
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return rec;
}

/** KeyValue { key = 1, value = 2 } ending at `end`; leaves the reader at `end` with `r.end` unchanged. */
function keyValue(r: ProtoReader, end: number, depth: number): [string, AnyValue] {
  const outer = r.end;
  r.end = end;
  let key = '';
  let value: AnyValue;
  for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
    if (tag === 0x0a) key = str(r);
    else if (tag === 0x12) {
      const e = r.delimited();
      value = anyValue(r, e, depth + 1);
      r.pos = e;
      r.end = end;
    } else r.skip(tag & 7);
  }
  r.pos = end;
  r.end = outer;
  return [key, value];
}

/** AnyValue (oneof: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7) ending at `end`. */
function anyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) r.fail('AnyValue nested too deeply');
  const outer = r.end;
  r.end = end;
  let v: AnyValue;
  for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
    switch (tag) {
      case 0x0a:
        v = str(r);
        break;
      case 0x10:
        r.varint64();
        v = r.lo !== 0 || r.hi !== 0;
        break;
      case 0x18:
        r.varint64();
        v = BigInt.asIntN(64, r.uint64BigInt());
        break;
      case 0x21: {
        if (r.pos + 8 > end) r.fail('truncated double');
        v = r.buf.readDoubleLE(r.pos);
        r.pos += 8;
        break;
      }
      case 0x2a: {
        // ArrayValue { values = 1 }
        const e = r.delimited();
        const arr: AnyValue[] = [];
        r.end = e;
        for (let t = r.tag(); t !== 0; t = r.tag()) {
          if (t === 0x0a) {
            const ve = r.delimited();
            arr.push(anyValue(r, ve, depth + 1));
            r.pos = ve;
            r.end = e;
          } else r.skip(t & 7);
        }
        r.end = end;
        v = arr;
        break;
      }
      case 0x32: {
        // KeyValueList { values = 1 }
        const e = r.delimited();
        const list: Array<[string, AnyValue]> = [];
        r.end = e;
        for (let t = r.tag(); t !== 0; t = r.tag()) {
          if (t === 0x0a) list.push(keyValue(r, r.delimited(), depth + 1));
          else r.skip(t & 7);
        }
        r.end = end;
        v = new KvList(list);
        break;
      }
      case 0x3a: {
        const e = r.delimited();
        v = Uint8Array.prototype.slice.call(r.buf, r.pos, e);
        r.pos = e;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  r.end = outer;
  return v;
}
