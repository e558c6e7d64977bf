import { PushRejectedError } from './errors.js';
import { parseTimestamp } from './timestamp.js';
import type { DecodedPush, PushStream } from './types.js';

/**
 * Decodes a `/logtap/raw` body: NDJSON, one capture entry per line,
 * `{"ts": RFC3339 | "<ns>", "labels": {..}, "msg": "..", "meta": {..}}`. `ts` may be omitted (the
 * receive time is used). Blank lines are skipped. The whole body is validated before anything is
 * accepted: one bad line fails the request with 400 naming the line.
 */
export function decodeRaw(text: string, nowNs: bigint): DecodedPush {
  const streams: PushStream[] = [];
  let lineBytes = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw bad(lineNo, `not JSON (${(cause as Error).message})`, cause);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw bad(lineNo, 'expected a JSON object with "ts", "labels" and "msg"');
    }
    const obj = value as Record<string, unknown>;
    const msg = obj['msg'];
    if (typeof msg !== 'string') throw bad(lineNo, '"msg" must be a string');
    let ts = nowNs;
    const rawTs = obj['ts'];
    if (rawTs !== undefined && rawTs !== null) {
      const parsed = typeof rawTs === 'string' ? parseTimestamp(rawTs) : undefined;
      if (parsed === undefined) {
        throw bad(
          lineNo,
          `"ts" ${JSON.stringify(rawTs)} is not an RFC 3339 time (2024-01-15T10:32:01.123456789Z) or a string of nanoseconds`,
        );
      }
      ts = parsed;
    }
    const labels =
      stringRecord(obj['labels'], 'labels', lineNo) ?? (Object.create(null) as Record<string, string>);
    const meta = stringRecord(obj['meta'], 'meta', lineNo);
    streams.push({
      labels,
      entries: [meta === undefined ? { ts, line: msg } : { ts, line: msg, metadata: meta }],
    });
    lineBytes += Buffer.byteLength(msg);
  }
  return { streams, lines: streams.length, lineBytes, format: 'logtap-raw' };
}

function stringRecord(value: unknown, field: string, lineNo: number): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw bad(lineNo, `"${field}" must be an object of string values`);
  }
  const out = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw bad(lineNo, `"${field}.${key}" must be a string`);
    out[key] = v;
  }
  return out;
}

function bad(lineNo: number, reason: string, cause?: unknown): PushRejectedError {
  return new PushRejectedError(`line ${lineNo} of the NDJSON body: ${reason}`, 400, { cause });
}
