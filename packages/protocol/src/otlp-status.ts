/**
 * OTLP/HTTP error bodies: the OTLP spec answers a failed export with a `google.rpc.Status` message
 * (`code` = 1, `message` = 2) in the request's encoding; Loki sends it as protobuf.
 */
import protobuf from 'protobufjs/minimal.js';
import type { ProtocolError } from './errors.js';

/** gRPC status code matching an HTTP status (the codes OTLP clients look at). */
export function grpcCodeForHttpStatus(status: number): number {
  if (status === 404) return 5; // NOT_FOUND
  if (status === 413 || status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

/**
 * The body to answer an OTLP request with when decoding failed: `google.rpc.Status` as protobuf
 * (Content-Type `application/x-protobuf`) or as JSON (`application/json`), matching the request.
 */
export function encodeOtlpStatus(
  error: Pick<ProtocolError, 'httpStatus' | 'message'>,
  format: 'protobuf' | 'json',
): Uint8Array {
  const code = grpcCodeForHttpStatus(error.httpStatus);
  if (format === 'json') return Buffer.from(JSON.stringify({ code, message: error.message }));
  const w = protobuf.Writer.create();
  w.uint32(0x08).int32(code);
  w.uint32(0x12).string(error.message);
  return w.finish();
}
