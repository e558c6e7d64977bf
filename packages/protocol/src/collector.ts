/**
 * Gathers decoded streams: merges streams that carry the same label set, enforces the entry / stream
 * limits, records per-stream rejections, and builds the {@link DecodedPush}.
 */
import { DuplicateLabelError, type ProtocolError, TooManyEntriesError } from './errors.js';
import { formatLabels } from './label-format.js';
import { labelsFromPairs, type ParsedLabelSet, parseLabelSet } from './labels.js';
import type { DecodedPush, PushEntry, PushFormat, PushStream, RejectedEntries } from './types.js';

/**
 * Prototype of metadata objects: empty and frozen, so no key is inherited (`'toString' in meta` is false)
 * — as safe as a null prototype. Object.create(null) objects start in V8's dictionary mode; objects with
 * this prototype get fast properties, which made building OTLP metadata 2.7x cheaper (7k objects of 6
 * keys: 0.87 ms vs 2.3 ms) and cut the GC work per entry.
 */
const METADATA_PROTO: object = Object.freeze(Object.create(null));

/** A new, empty structured-metadata object (see METADATA_PROTO). */
export function newMetadata(): Record<string, string> {
  return Object.create(METADATA_PROTO) as Record<string, string>;
}

export class StreamCollector {
  /** Entries admitted so far (kept or rejected), checked against maxEntries. */
  entryCount = 0;
  /** Stream objects seen, checked against maxStreams. */
  streamCount = 0;
  lineBytes = 0;
  private readonly byCanonical = new Map<string, PushStream>();
  /** Raw label string → stream (or null when rejected), so repeated identical strings parse once. */
  private readonly byRaw = new Map<string, PushStream | DuplicateLabelError>();
  /** Arrival-order key of JSON label pairs → stream (see streamForPairs). */
  private readonly byPairs = new Map<string, PushStream | DuplicateLabelError>();
  private readonly order: PushStream[] = [];
  private rejected: RejectedEntries[] | undefined;

  constructor(
    readonly maxEntries: number,
    readonly maxStreams: number,
  ) {}

  /** Counts one stream object of the request. */
  countStream(): void {
    if (++this.streamCount > this.maxStreams) throw new TooManyEntriesError('streams', this.maxStreams);
  }

  /** Counts `n` entries about to be materialised. */
  countEntries(n: number): void {
    this.entryCount += n;
    if (this.entryCount > this.maxEntries) throw new TooManyEntriesError('entries', this.maxEntries);
  }

  /**
   * The stream for a raw label string, or a DuplicateLabelError when the label set is rejected.
   * @throws {LabelParseError} the whole request fails on an unparsable label string, as in Loki.
   */
  streamForRaw(raw: string): PushStream | DuplicateLabelError {
    const hit = this.byRaw.get(raw);
    if (hit !== undefined) return hit;
    const result = this.streamForParsed(parseLabelSet(raw), raw);
    this.byRaw.set(raw, result);
    return result;
  }

  /**
   * The stream for label pairs in arrival order (JSON label objects). pino-loki sends one stream object
   * per record, so the same set arrives thousands of times: a key of the pairs as they come (length-
   * prefixed, so no two different sets share a key) skips sorting and re-formatting for repeats.
   */
  streamForPairs(pairs: Array<[string, string]>): PushStream | DuplicateLabelError {
    let key = '';
    for (let k = 0; k < pairs.length; k++) {
      const [name, value] = pairs[k]!;
      key += `${name.length}:${name}${value.length}:${value}`;
    }
    const hit = this.byPairs.get(key);
    if (hit !== undefined) return hit;
    const result = this.streamForParsed(labelsFromPairs(pairs));
    this.byPairs.set(key, result);
    return result;
  }

  /** The stream for an already parsed label set (JSON objects, OTLP attributes). */
  streamForParsed(parsed: ParsedLabelSet, raw?: string): PushStream | DuplicateLabelError {
    if (parsed.duplicate !== undefined) {
      return new DuplicateLabelError(raw ?? formatLabels(parsed.labels), parsed.duplicate);
    }
    const key = formatLabels(parsed.labels);
    let stream = this.byCanonical.get(key);
    if (stream === undefined) {
      stream = { labels: parsed.labels, entries: [] };
      this.byCanonical.set(key, stream);
      this.order.push(stream);
    }
    return stream;
  }

  /** Appends entries decoded for one stream object; adopts the array when the stream is still empty. */
  append(stream: PushStream, entries: PushEntry[]): void {
    if (stream.entries.length === 0) {
      stream.entries = entries;
      return;
    }
    const target = stream.entries;
    for (let k = 0; k < entries.length; k++) target.push(entries[k]!);
  }

  /**
   * Ends one stream object of the request: its entries (and their line bytes) are kept in `stream`, or
   * all recorded as rejected when its label set was refused (`stream` is then the error).
   */
  keep(stream: PushStream | DuplicateLabelError, entries: PushEntry[], lineBytes: number): void {
    if (!('entries' in stream)) {
      this.reject(stream.labels, entries.length, stream);
      return;
    }
    this.lineBytes += lineBytes;
    if (entries.length > 0) this.append(stream, entries);
  }

  /** Records entries that are not kept, with the reason (grouped per stream and code). */
  reject(labels: string, entries: number, error: ProtocolError): void {
    if (entries === 0) return;
    this.rejected ??= [];
    for (const r of this.rejected) {
      if (r.labels === labels && r.error.code === error.code && r.error.message === error.message) {
        r.entries += entries;
        return;
      }
    }
    this.rejected.push({ labels, entries, error });
  }

  /** The entries refused so far, or undefined when none were. */
  rejections(): RejectedEntries[] | undefined {
    return this.rejected;
  }

  finish(format: PushFormat): DecodedPush {
    const streams: PushStream[] = [];
    let lines = 0;
    for (const s of this.order) {
      if (s.entries.length === 0) continue;
      streams.push(s);
      lines += s.entries.length;
    }
    const out: DecodedPush = { streams, lines, lineBytes: this.lineBytes, format };
    if (this.rejected !== undefined) out.rejected = this.rejected;
    return out;
  }
}
