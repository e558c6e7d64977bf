/**
 * @logtap/capture: the capture directory format, a crash-safe writer with a hard disk cap, and a streaming
 * reader with the filter language every logtap tool shares. See docs/capture-format.md and docs/filters.md.
 */

export { type Capture, type CaptureFile, captureTimeContext, openCapture } from './capture.js';
export { type EncodedBatch, EncodedBatchBuilder, recycleEncodedBatch } from './encoded-batch.js';
export { type CaptureEntry, EntryDecoder, EntryEncoder } from './entry-codec.js';
export {
  CaptureCorruptError,
  CaptureError,
  type CaptureErrorCode,
  CaptureIoError,
  CaptureLockedError,
  CaptureNotFoundError,
  InvalidEntryError,
  InvalidFilterError,
  InvalidOptionError,
  InvalidRegexError,
  InvalidTimeError,
  NotACaptureError,
  WriterClosedError,
  WriterFailedError,
} from './errors.js';
export {
  type CompiledFilter,
  compileFilter,
  type EntryFilter,
  type LabelMatcher,
  type LabelOp,
  parseLabelMatcher,
  parseLabelSelector,
} from './filter.js';
export { AUDIT_FILE, compareDataFileNames, INDEX_FILE, METADATA_FILE, parseDataFileName } from './names.js';
export { type ReadOptions, type ReadWarning, readEntries, readEntryBatches } from './reader.js';
export {
  compileLabelPattern,
  MAX_PATTERN_LENGTH,
  type MessagePattern,
  type MessagePatternOptions,
  parseMessagePattern,
} from './regex.js';
export {
  auditLineSchema,
  type CaptureMetadata,
  dataLineSchema,
  type FrameEntry,
  frameWireSchema,
  type IndexEntry,
  indexLineSchema,
  type LabelCounts,
  metadataSchema,
} from './schema.js';
export { parseDuration, parseTimeBound, parseTimeRange, type TimeContext } from './time-bound.js';
export { formatTimestamp, parseTimestamp, TimestampFormatter } from './timestamp.js';
export { CaptureWriter, type WriterStats } from './writer.js';
export type { WriterEvent, WriterOptions } from './writer-config.js';
