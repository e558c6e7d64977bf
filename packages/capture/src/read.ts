/**
 * `@logtap/capture/read`: the read side of @logtap/capture alone (open a capture, its index and metadata,
 * the reader, the filter language, timestamps, errors, the entry codec for JSONL output), for commands
 * that start often and must start fast. It loads neither zod nor the writer (its worker, recovery, disk
 * cap): `logtap inspect` and friends import this; the main entry re-exports the same names plus the
 * writer and the zod schemas.
 */

export { type Capture, type CaptureFile, captureTimeContext, openCapture } from './capture.js';
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
export { parseDuration, parseTimeBound, parseTimeRange, type TimeContext } from './time-bound.js';
export { formatTimestamp, parseTimestamp, TimestampFormatter } from './timestamp.js';
export type { CaptureMetadata, FrameEntry, IndexEntry, LabelCounts } from './wire.js';
