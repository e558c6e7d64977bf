import { gunzipSync } from 'node:zlib';
import type { DecodedPush, DecodeLimits, PushRequestInput, PushStream } from '../types.js';

class TestDecodeError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

/**
 * A small Loki JSON v1 decoder for the server's unit tests (gzip or plain, the limits honoured), so
 * they exercise routing, policy and accounting without depending on @logtap/protocol's internals.
 */
export function decodeLokiJson(input: PushRequestInput, limits: DecodeLimits = {}): DecodedPush {
  if (!(input.contentType ?? '').startsWith('application/json')) {
    throw new TestDecodeError(`unsupported content type ${input.contentType}`, 415);
  }
  let body = Buffer.from(input.body);
  if (input.contentEncoding === 'gzip') {
    try {
      body = gunzipSync(body, { maxOutputLength: limits.maxDecompressedBytes ?? 2 ** 30 });
    } catch {
      throw new TestDecodeError('too large', 413);
    }
  }
  let parsed: {
    streams: Array<{
      stream: Record<string, string>;
      values: Array<[string, string, Record<string, string>?]>;
    }>;
  };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new TestDecodeError(`bad JSON: ${(err as Error).message}`, 400);
  }
  const streams: PushStream[] = [];
  let lines = 0;
  let lineBytes = 0;
  for (const s of parsed.streams) {
    const entries = s.values.map(([ts, line, meta]) => {
      lines++;
      lineBytes += Buffer.byteLength(line);
      return meta === undefined ? { ts: BigInt(ts), line } : { ts: BigInt(ts), line, metadata: meta };
    });
    streams.push({ labels: s.stream, entries });
  }
  return { streams, lines, lineBytes, format: 'loki-json' };
}
