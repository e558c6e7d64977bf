/**
 * @logtap/capture: the capture directory format, a crash-safe writer with a hard disk cap, and a streaming
 * reader with the filter language every logtap tool shares. See docs/capture-format.md and docs/filters.md.
 *
 * Everything of the read side comes from ./read.ts (also the `@logtap/capture/read` entry, which loads
 * neither zod nor the writer); this entry adds the writer and the zod schemas.
 */

export { type EncodedBatch, EncodedBatchBuilder, recycleEncodedBatch } from './encoded-batch.js';
export * from './read.js';
export {
  auditLineSchema,
  dataLineSchema,
  frameWireSchema,
  indexLineSchema,
  metadataSchema,
} from './schema.js';
export { CaptureWriter, type WriterStats } from './writer.js';
export type { WriterEvent, WriterOptions } from './writer-config.js';
