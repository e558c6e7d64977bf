export { decodeContentEncoding } from './body.js';
export {
  ListenError,
  PushRejectedError,
  ReceiverError,
  ReceiverOptionsError,
  TlsConfigError,
} from './errors.js';
export {
  type Admission,
  DROP_REASONS,
  type DropReason,
  formatLabels,
  type OnFull,
  OTHER_STREAMS,
  TRUNCATED_META_KEY,
} from './ingest.js';
export { listenWarnings } from './listen.js';
export {
  LIVE_DEFAULT_LINES,
  LIVE_MAX_LINES,
  LIVE_PATH,
  type LiveEndpointOptions,
  type LiveQuery,
  parseLiveQuery,
} from './live.js';
export { API_VERSION, DEFAULTS, type ReceiverOptions } from './options.js';
export { decodeRaw } from './raw.js';
export type { ReceiverState, ReceiverStats } from './receiver-stats.js';
export { Receiver } from './server.js';
export { parseTimestamp } from './timestamp.js';
export type {
  CaptureEntry,
  DecodedPush,
  DecodeFn,
  DecodeLimits,
  PushEntry,
  PushRequestInput,
  PushStream,
  Redactor,
  Sink,
  SinkStats,
} from './types.js';
