/** Small builders shared by the tests. */
import protobuf from 'protobufjs/minimal.js';
import snappy from 'snappy';
import { type DecodedPush, type DecodeOptions, decodePush, type PushStream } from '../index.js';

export const LOKI_PATH = '/loki/api/v1/push';
export const LEGACY_PATH = '/api/prom/push';
export const OTLP_PATH = '/otlp/v1/logs';

/** A null-prototype record, as the decoders return. */
export function rec(o: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null), o);
}

/** Plain-object view of a decode result (null prototypes and bigints made comparable). */
export function plain(
  push: Pick<DecodedPush, 'streams'>,
): Array<{ labels: Record<string, string>; entries: unknown[] }> {
  return push.streams.map((s) => ({
    labels: { ...s.labels },
    entries: s.entries.map((e) =>
      e.metadata === undefined
        ? { ts: e.ts, line: e.line }
        : { ts: e.ts, line: e.line, metadata: { ...e.metadata } },
    ),
  }));
}

export function snappyBlock(raw: Uint8Array): Buffer {
  return snappy.compressSync(Buffer.from(raw));
}

/** Decodes a raw (uncompressed) Loki PushRequest through decodePush. */
export function decodeRawProto(raw: Uint8Array, options?: DecodeOptions): DecodedPush {
  return decodePush(
    { body: snappyBlock(raw), path: LOKI_PATH, contentType: 'application/x-protobuf' },
    options,
  );
}

export function decodeJson(body: string | object, options?: DecodeOptions, path = LOKI_PATH): DecodedPush {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return decodePush({ body: Buffer.from(text), path, contentType: 'application/json' }, options);
}

/** Returns the error a call throws (fails the test when it does not throw). */
export function thrown(f: () => unknown): Error & { code?: string; httpStatus?: number } {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string; httpStatus?: number };
  }
  throw new Error('expected an error');
}

/** A protobuf Writer (protobufjs) for hand-made wire bytes. */
export function writer(): protobuf.Writer {
  return protobuf.Writer.create();
}

/** Total entries of streams. */
export function countEntries(streams: readonly PushStream[]): number {
  return streams.reduce((n, s) => n + s.entries.length, 0);
}

/** Writes one field group of a message (an entry's fields, say) into a protobuf writer. */
export type FieldWriter = (w: protobuf.Writer) => void;

/** Hand-made Loki wire bytes: one Stream message with the given label string and entry encoders. */
export function lokiStream(labels: string | undefined, ...entries: FieldWriter[]): Uint8Array {
  const w = writer();
  w.uint32(0x0a).fork();
  if (labels !== undefined) w.uint32(0x0a).string(labels);
  for (const e of entries) {
    w.uint32(0x12).fork();
    e(w);
    w.ldelim();
  }
  w.ldelim();
  return w.finish();
}
