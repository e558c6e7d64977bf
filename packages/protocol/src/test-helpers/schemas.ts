/**
 * protobufjs reflection types loaded from proto/ — an implementation independent of the hand-written
 * decoders, used by tests (and the benchmark) to produce and check wire bytes.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoDir = fileURLToPath(new URL('../../proto/', import.meta.url));

const lokiRoot = protobuf.loadSync(`${protoDir}loki/push.proto`);
const otlpRoot = protobuf.loadSync(`${protoDir}opentelemetry/logs.proto`);

/** logproto.PushRequest (Loki push.proto). */
export const PushRequest = lokiRoot.lookupType('logproto.PushRequest');
/** opentelemetry.proto.logs.v1.ExportLogsServiceRequest. */
export const ExportLogsServiceRequest = otlpRoot.lookupType(
  'opentelemetry.proto.logs.v1.ExportLogsServiceRequest',
);

/** JSON.stringify replacer that prints bigints (test diagnostics). */
export function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
