/**
 * A small JSON parser that keeps what JSON.parse loses: numbers stay their source text (int64
 * nanoseconds past 2^53 stay exact) and objects/arrays remember their source span (Loki keeps a
 * non-string label value as its raw JSON text, whitespace included). Only used as a fallback when the fast
 * JSON.parse tree holds such a value, so its speed matters little; it is linear and depth-bounded.
 */
import { BadJsonError } from './errors.js';

/** A JSON number with its exact source text. */
export class JsonNumber {
  constructor(readonly raw: string) {}
}

/** A JSON object of either tree (not an array, not a lossless number). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** Objects and arrays → [start, end) offsets of their source text. */
export type Spans = WeakMap<object, [number, number]>;

const MAX_DEPTH = 512;

/** Parses `text`; numbers become {@link JsonNumber}, objects have a null prototype. @throws {BadJsonError} */
export function parseJsonLossless(text: string): { value: unknown; spans: Spans } {
  const spans: Spans = new WeakMap();
  let i = 0;
  const n = text.length;

  const fail = (reason: string): never => {
    throw new BadJsonError(`${reason} at position ${i}`, i);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string => {
    // i is at the opening quote
    const start = ++i;
    let out = '';
    let chunk = start;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(chunk, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(chunk, i);
      const e = text.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          i -= 1;
          fail('bad escape');
      }
      chunk = i;
    }
  };
  const num = (): JsonNumber => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === intStart) fail('bad number');
    if (i - intStart > 1 && text.charCodeAt(intStart) === 0x30) fail('leading zero in number');
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      const f = i;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      if (i === f) fail('bad number fraction');
    }
    const ex = text.charCodeAt(i);
    if (ex === 0x65 || ex === 0x45) {
      i++;
      const sgn = text.charCodeAt(i);
      if (sgn === 0x2b || sgn === 0x2d) i++;
      const f = i;
      while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      if (i === f) fail('bad number exponent');
    }
    return new JsonNumber(text.slice(start, i));
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    if (i >= n) fail('unexpected end of input');
    const c = text.charCodeAt(i);
    if (c === 0x22) return str();
    if (c === 0x7b) {
      const start = i++;
      const obj: Record<string, unknown> = Object.create(null);
      ws();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        spans.set(obj, [start, i]);
        return obj;
      }
      for (;;) {
        ws();
        if (text.charCodeAt(i) !== 0x22) fail('expected a string key');
        const key = str();
        ws();
        if (text.charCodeAt(i) !== 0x3a) fail('expected ":"');
        i++;
        obj[key] = value(depth + 1);
        ws();
        const d = text.charCodeAt(i);
        if (d === 0x2c) {
          i++;
          continue;
        }
        if (d === 0x7d) {
          i++;
          spans.set(obj, [start, i]);
          return obj;
        }
        fail('expected "," or "}"');
      }
    }
    if (c === 0x5b) {
      const start = i++;
      const arr: unknown[] = [];
      ws();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        spans.set(arr, [start, i]);
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        const d = text.charCodeAt(i);
        if (d === 0x2c) {
          i++;
          continue;
        }
        if (d === 0x5d) {
          i++;
          spans.set(arr, [start, i]);
          return arr;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return num();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    return fail('unexpected character');
  };
  const v = value(0);
  ws();
  if (i < n) fail('unexpected data after the JSON value');
  return { value: v, spans };
}

/**
 * JSON.parse with errors turned into {@link BadJsonError} (with the position V8 reports) and a hint.
 */
export function parseJsonFast(text: string, hint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (text.length === 0) throw new BadJsonError('empty body', 0, hint, { cause: err });
    let msg = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(msg);
    let offset = m ? Number(m[1]) : undefined;
    if (offset === undefined) {
      // V8 does not always say where; the lossless parser does (only on this error path).
      try {
        parseJsonLossless(text);
      } catch (e) {
        if (e instanceof BadJsonError && e.offset !== undefined) {
          offset = e.offset;
          msg += ` (at position ${offset})`;
        }
      }
    }
    throw new BadJsonError(msg, offset, hint, { cause: err });
  }
}

/** Thrown by a walker over the fast tree when it needs the lossless tree; caught by the dispatcher. */
export class NeedLossless extends Error {}
