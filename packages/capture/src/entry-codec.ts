/**
 * One capture entry <-> one JSONL data line. The encoder writes the canonical form
 * `{"ts":"<RFC3339 ns Z>","labels":{sorted keys},"msg":"...","meta":{...}}`; the decoder has a fast path for
 * that exact shape (and the Go original's, which has the same field order) and falls back to JSON.parse
 * for anything else.
 */

import { TimestampFormatter, TimestampParser } from './timestamp.js';

/** One log line of a capture. */
export interface CaptureEntry {
  /** Nanoseconds since the Unix epoch. */
  ts: bigint;
  /**
   * Stream labels. Entries returned by the reader share one frozen object per distinct label set, so
   * compare or look up freely but copy before modifying.
   */
  labels: Record<string, string>;
  msg: string;
  /** Structured metadata (Loki's per-line metadata / OTLP attributes), when present. */
  meta?: Record<string, string>;
}

/** Encodes entries to canonical JSONL lines. Keep one per writer: it caches per label set and per second. */
export class EntryEncoder {
  readonly #ts = new TimestampFormatter();
  // Labels objects are shared by every entry of a push stream, so their JSON is computed once per object.
  #labels = new WeakMap<object, string>();

  /** The labels' JSON (keys sorted, like the Go original), cached per labels object. */
  labelsJson(labels: Record<string, string>): string {
    let json = this.#labels.get(labels);
    if (json === undefined) {
      json = encodeLabels(labels);
      this.#labels.set(labels, json);
    }
    return json;
  }

  /** The data line for `e`, newline included. Throws InvalidTimeError when `e.ts` is out of range. */
  encode(e: CaptureEntry): string {
    const meta = e.meta !== undefined && hasKeys(e.meta) ? encodeLabels(e.meta) : undefined;
    return this.encodeJsonParts(e.ts, this.labelsJson(e.labels), e.msg, meta);
  }

  /** {@link encode} from the parts of an entry, labels and meta already JSON (the writer's columns). */
  encodeJsonParts(ts: bigint, labelsJson: string, msg: string, metaJson: string | undefined): string {
    const tail = metaJson === undefined ? '}\n' : `,"meta":${metaJson}}\n`;
    // JSON.stringify of a string is the fastest correct escaper in V8 (it also escapes lone surrogates).
    return `{"ts":"${this.#ts.format(ts)}","labels":${labelsJson},"msg":${JSON.stringify(msg)}${tail}`;
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** JSON of a string map with sorted keys; non-string values are stringified. */
export function encodeLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = labels[k];
    out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(typeof v === 'string' ? v : String(v))}`;
  }
  return `${out}}`;
}

const EMPTY_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const LABELS_CACHE_MAX = 8192;

/**
 * Decodes data lines. Keep one per scan: it caches label sets by their raw JSON text (entries of one stream
 * share one frozen labels object) and the timestamp's whole-second prefix.
 */
export class EntryDecoder {
  readonly #ts = new TimestampParser();
  #labels = new Map<string, Record<string, string>>();
  // Never '' (startsWith('') is always true): a value no labels text can equal.
  #lastRaw = '\u0000';
  #lastLabels: Record<string, string> = EMPTY_LABELS;

  /** The entry of one line (no trailing newline), or undefined when the line is not a valid entry. */
  decode(line: string): CaptureEntry | undefined {
    return this.#fast(line) ?? this.#slow(line);
  }

  /** Frozen, shared labels object for a raw labels JSON text, or undefined when it is not a string map. */
  labels(raw: string): Record<string, string> | undefined {
    let labels = this.#labels.get(raw);
    if (labels === undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return undefined; // not JSON: the caller falls back or skips the line
      }
      const checked = asStringMap(parsed);
      if (checked === undefined) return undefined;
      labels = Object.freeze(checked);
      if (this.#labels.size >= LABELS_CACHE_MAX) this.#labels.clear();
      this.#labels.set(raw, labels);
    }
    return labels;
  }

  /** Labels of the raw JSON text `line.slice(start, end)`, remembered as the most recent set. */
  #labelsAt(line: string, start: number, end: number): Record<string, string> | undefined {
    const raw = line.slice(start, end);
    const labels = this.labels(raw);
    if (labels !== undefined) {
      this.#lastRaw = raw;
      this.#lastLabels = labels;
    }
    return labels;
  }

  #fast(line: string): CaptureEntry | undefined {
    if (!line.startsWith('{"ts":"')) return undefined;
    const tsEnd = line.indexOf('"', 7);
    if (tsEnd < 0) return undefined;
    const ts = this.#ts.parseAt(line, 7, tsEnd);
    if (ts === undefined) return undefined;
    let labels: Record<string, string> | undefined;
    let msgStart: number;
    if (line.startsWith(',"labels":{', tsEnd + 1)) {
      const labelsStart = tsEnd + 11; // the `{`
      const last = this.#lastRaw;
      if (line.startsWith(last, labelsStart) && line.startsWith(',"msg":"', labelsStart + last.length)) {
        // Same label set as the previous line (the usual case: a push carries runs of one stream). `last` is
        // a whole JSON object, so if the line continues with `,"msg":"` right after it, it is the labels.
        labels = this.#lastLabels;
        msgStart = labelsStart + last.length + 8;
      } else {
        // `},"msg":"` cannot occur inside the labels object: a `}` inside a string followed by `,"` would
        // need an unescaped quote inside that string. So the first occurrence ends the labels.
        const end = line.indexOf('},"msg":"', labelsStart);
        if (end < 0) return undefined;
        labels = this.#labelsAt(line, labelsStart, end + 1);
        if (labels === undefined) return undefined;
        msgStart = end + 9;
      }
    } else if (line.startsWith(',"msg":"', tsEnd + 1)) {
      labels = EMPTY_LABELS;
      msgStart = tsEnd + 9;
    } else {
      return undefined;
    }
    // The message is the last field unless `meta` follows it; tell them apart from the line's end: a meta
    // object makes it end in `}}`, a message in `"}`.
    const len = line.length;
    if (line.charCodeAt(len - 1) !== 125) return undefined;
    let msgEnd: number;
    let meta: Record<string, string> | undefined;
    if (line.charCodeAt(len - 2) === 34) {
      msgEnd = len - 2;
    } else {
      // Same argument: `","meta":{` cannot occur inside a string, so the last occurrence is the field.
      const metaAt = line.lastIndexOf('","meta":{');
      if (metaAt < msgStart - 1) return undefined;
      msgEnd = metaAt;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.slice(metaAt + 9, len - 1));
      } catch {
        return undefined;
      }
      meta = asStringMap(parsed);
      if (meta === undefined) return undefined;
    }
    if (msgEnd < msgStart) return undefined;
    const raw = line.slice(msgStart, msgEnd);
    let msg: string;
    if (raw.indexOf('\\') === -1) {
      // Without escapes the raw text is the value, unless it holds a bare quote (then the line has more
      // fields than we know and the slow path sorts it out).
      if (raw.indexOf('"') !== -1) return undefined;
      msg = raw;
    } else {
      try {
        msg = JSON.parse(`"${raw}"`) as string;
      } catch {
        return undefined;
      }
    }
    return meta === undefined ? { ts, labels, msg } : { ts, labels, msg, meta };
  }

  #slow(line: string): CaptureEntry | undefined {
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return undefined; // malformed line: skipped, as the original's readers do
    }
    if (typeof o !== 'object' || o === null) return undefined;
    const r = o as Record<string, unknown>;
    if (typeof r['ts'] !== 'string' || typeof r['msg'] !== 'string') return undefined;
    const ts = this.#ts.parse(r['ts']);
    if (ts === undefined) return undefined;
    let labels: Record<string, string> | undefined = EMPTY_LABELS;
    if (r['labels'] !== undefined && r['labels'] !== null) {
      const l = asStringMap(r['labels']);
      if (l === undefined) return undefined;
      labels = this.labels(encodeLabels(l));
      if (labels === undefined) return undefined;
    }
    const entry: CaptureEntry = { ts, labels, msg: r['msg'] };
    if (r['meta'] !== undefined && r['meta'] !== null) {
      const meta = asStringMap(r['meta']);
      if (meta !== undefined) entry.meta = meta;
    }
    return entry;
  }
}

function asStringMap(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const src = v as Record<string, unknown>;
  for (const k in src) if (typeof src[k] !== 'string') return undefined;
  return src as Record<string, string>;
}
