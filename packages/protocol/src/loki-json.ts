/**
 * Loki JSON push bodies: v1 (`/loki/api/v1/push`: `stream` object + `values` tuples) and legacy
 * (`/api/prom/push`: `labels` string + `entries` objects with RFC 3339 `ts`). Rules follow Loki's decoders
 * (pkg/util/unmarshal, pkg/loghttp); see docs/protocol.md for the table.
 */
import { newMetadata, type StreamCollector } from './collector.js';
import { InvalidPayloadError, InvalidTimestampError, LabelsTooLargeError } from './errors.js';
import { isJsonObject, JsonNumber, NeedLossless, type Spans } from './json-lossless.js';
import { MAX_LABELS_BYTES } from './labels.js';
import { parseNsString, parseRfc3339 } from './time.js';
import type { PushEntry } from './types.js';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof JsonNumber || typeof v === 'number') return 'a number';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** Replaces lone surrogates (from `\ud800` escapes) with U+FFFD, as Go's JSON decoder does. */
function wellFormed(s: string): string {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdfff) continue;
    const d = s.charCodeAt(k + 1);
    if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
      k++;
      continue;
    }
    s = `${s.slice(0, k)}\ufffd${s.slice(k + 1)}`;
  }
  return s;
}

/** Validates a structured-metadata object (string values only) into a null-prototype record. */
export function metadataFromJson(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    // Also accept the protojson form [{"name": "...", "value": "..."}].
    if (v.length === 0) return undefined;
    const out = newMetadata();
    for (let k = 0; k < v.length; k++) {
      const p = v[k];
      if (!isJsonObject(p) || typeof p.name !== 'string' || typeof (p.value ?? '') !== 'string') {
        throw new InvalidPayloadError(
          `${where}[${k}]`,
          'structured metadata pairs must be {"name": string, "value": string}',
        );
      }
      out[p.name] = (p.value as string | undefined) ?? '';
    }
    return out;
  }
  if (!isJsonObject(v)) {
    throw new InvalidPayloadError(
      where,
      `structured metadata must be an object of string values, got ${typeName(v)}`,
    );
  }
  let out: Record<string, string> | undefined;
  for (const key in v) {
    const value = v[key];
    if (typeof value !== 'string') {
      throw new InvalidPayloadError(
        `${where}.${key}`,
        `structured metadata values must be strings, got ${typeName(value)} (send ${JSON.stringify(String(value instanceof JsonNumber ? value.raw : value))})`,
      );
    }
    out ??= newMetadata();
    out[key] = value;
  }
  return out;
}

/** The `streams` array of a Loki JSON body: empty when absent or null. @throws {InvalidPayloadError} */
function streamsOf(root: unknown): readonly unknown[] {
  if (!isJsonObject(root)) {
    throw new InvalidPayloadError('$', `expected an object {"streams": [...]}, got ${typeName(root)}`);
  }
  const streams = root.streams;
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams))
    throw new InvalidPayloadError('streams', `must be an array, got ${typeName(streams)}`);
  return streams;
}

/** `streams[i]` as an object; undefined for null (skipped). @throws {InvalidPayloadError} */
function streamAt(streams: readonly unknown[], i: number): Record<string, unknown> | undefined {
  const s = streams[i];
  if (s === null) return undefined;
  if (!isJsonObject(s))
    throw new InvalidPayloadError(`streams[${i}]`, `must be an object, got ${typeName(s)}`);
  return s;
}

/**
 * Decodes a v1 body. On the fast JSON.parse tree (`spans` undefined), a label value that is not a string
 * throws {@link NeedLossless}: Loki keeps such values as their raw JSON text, which only the lossless
 * tree has.
 */
export function walkLokiJsonV1(
  root: unknown,
  text: string,
  spans: Spans | undefined,
  out: StreamCollector,
): void {
  const streams = streamsOf(root);
  for (let i = 0; i < streams.length; i++) {
    out.countStream();
    const s = streamAt(streams, i);
    if (s === undefined) continue;
    const labelsObj = s.stream;
    const pairs: Array<[string, string]> = [];
    let labelBytes = 0;
    if (labelsObj !== undefined && labelsObj !== null) {
      if (!isJsonObject(labelsObj)) {
        throw new InvalidPayloadError(
          `streams[${i}].stream`,
          `must be an object of label names to values, got ${typeName(labelsObj)}`,
        );
      }
      for (const name in labelsObj) {
        const v = labelsObj[name];
        let value: string;
        if (typeof v === 'string') value = v;
        else if (v === true || v === false || v === null) value = String(v);
        else if (v instanceof JsonNumber) value = v.raw;
        else if (spans !== undefined && typeof v === 'object') {
          const span = spans.get(v as object)!;
          value = text.slice(span[0], span[1]);
        } else throw new NeedLossless();
        if (name === '')
          throw new InvalidPayloadError(`streams[${i}].stream`, 'label names must not be empty');
        labelBytes += name.length + value.length + 4;
        pairs.push([wellFormed(name), wellFormed(value)]);
      }
    }
    if (labelBytes > MAX_LABELS_BYTES) throw new LabelsTooLargeError(labelBytes, MAX_LABELS_BYTES);
    const values = s.values;
    const entries: PushEntry[] = [];
    let lineBytes = 0;
    if (values !== undefined && values !== null) {
      if (!Array.isArray(values)) {
        throw new InvalidPayloadError(
          `streams[${i}].values`,
          `must be an array of [ts, line] tuples, got ${typeName(values)}`,
        );
      }
      out.countEntries(values.length);
      for (let j = 0; j < values.length; j++) {
        const e = values[j];
        if (e === null) continue;
        if (!Array.isArray(e) || e.length === 0) {
          throw new InvalidPayloadError(
            `streams[${i}].values[${j}]`,
            `each value must be ["<unix epoch in nanoseconds>", "<log line>", {<structured metadata>}?], got ${typeName(e)}`,
          );
        }
        const tsRaw = e[0];
        if (typeof tsRaw !== 'string') {
          throw new InvalidPayloadError(
            `streams[${i}].values[${j}][0]`,
            `the timestamp must be a JSON string of Unix nanoseconds (e.g. "1700000000000000000"), got ${typeName(tsRaw)}`,
          );
        }
        const ts = parseNsString(tsRaw);
        if (ts === undefined) {
          throw new InvalidTimestampError(
            `streams[${i}].values[${j}][0]`,
            tsRaw,
            'expected a decimal integer of nanoseconds since the Unix epoch (int64)',
          );
        }
        const line = e.length > 1 ? e[1] : '';
        if (typeof line !== 'string') {
          throw new InvalidPayloadError(
            `streams[${i}].values[${j}][1]`,
            `the log line must be a string, got ${typeName(line)}`,
          );
        }
        lineBytes += Buffer.byteLength(line);
        const metadata = e.length > 2 ? metadataFromJson(e[2], `streams[${i}].values[${j}][2]`) : undefined;
        entries.push(metadata === undefined ? { ts, line } : { ts, line, metadata });
      }
    }
    out.keep(out.streamForPairs(pairs), entries, lineBytes);
  }
}

/** Decodes a legacy `/api/prom/push` body. */
export function walkLokiJsonLegacy(root: unknown, out: StreamCollector): void {
  const streams = streamsOf(root);
  for (let i = 0; i < streams.length; i++) {
    out.countStream();
    const s = streamAt(streams, i);
    if (s === undefined) continue;
    const rawLabels = s.labels ?? '';
    if (typeof rawLabels !== 'string') {
      throw new InvalidPayloadError(
        `streams[${i}].labels`,
        `must be a label string like {app="api"}, got ${typeName(rawLabels)}`,
      );
    }
    const list = s.entries;
    const entries: PushEntry[] = [];
    let lineBytes = 0;
    let missingTs = 0;
    if (list !== undefined && list !== null) {
      if (!Array.isArray(list)) {
        throw new InvalidPayloadError(`streams[${i}].entries`, `must be an array, got ${typeName(list)}`);
      }
      out.countEntries(list.length);
      for (let j = 0; j < list.length; j++) {
        const e = list[j];
        if (e === null) continue;
        if (!isJsonObject(e)) {
          throw new InvalidPayloadError(
            `streams[${i}].entries[${j}]`,
            `must be an object {"ts", "line"}, got ${typeName(e)}`,
          );
        }
        const line = e.line ?? '';
        if (typeof line !== 'string') {
          throw new InvalidPayloadError(
            `streams[${i}].entries[${j}].line`,
            `must be a string, got ${typeName(line)}`,
          );
        }
        const tsRaw = e.ts ?? e.timestamp;
        if (tsRaw === undefined || tsRaw === null) {
          missingTs++;
          continue;
        }
        if (typeof tsRaw !== 'string') {
          throw new InvalidPayloadError(
            `streams[${i}].entries[${j}].ts`,
            `must be an RFC 3339 string, got ${typeName(tsRaw)}`,
          );
        }
        const ts = parseRfc3339(tsRaw);
        if (ts === undefined) {
          throw new InvalidTimestampError(
            `streams[${i}].entries[${j}].ts`,
            tsRaw,
            'expected RFC 3339 with optional fraction, e.g. "2019-09-13T18:32:22.380001319Z"',
          );
        }
        lineBytes += Buffer.byteLength(line);
        const metadata = metadataFromJson(
          e.structuredMetadata,
          `streams[${i}].entries[${j}].structuredMetadata`,
        );
        entries.push(metadata === undefined ? { ts, line } : { ts, line, metadata });
      }
    }
    const stream = out.streamForRaw(rawLabels);
    if (!('entries' in stream)) {
      out.reject(rawLabels, entries.length + missingTs, stream);
      continue;
    }
    if (missingTs > 0) {
      out.reject(
        rawLabels,
        missingTs,
        new InvalidTimestampError(`streams[${i}].entries`, '', 'entry has no "ts"'),
      );
    }
    out.lineBytes += lineBytes;
    if (entries.length > 0) out.append(stream, entries);
  }
}
