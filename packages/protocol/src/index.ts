export { DEFAULT_LIMITS, decodePush, type PushRoute, pushRouteOf } from './decode.js';
export { encodePushJson, encodePushProtobuf, encodePushProtobufRaw } from './encode.js';
export {
  BadCompressionError,
  BadJsonError,
  BadProtobufError,
  BadSnappyError,
  BodyTooLargeError,
  DuplicateLabelError,
  InvalidContentTypeError,
  InvalidPayloadError,
  InvalidTimestampError,
  isProtocolError,
  LabelParseError,
  LabelsTooLargeError,
  NoStreamsError,
  ProtocolError,
  type ProtocolErrorCode,
  SnappyFramedError,
  TooManyEntriesError,
  UnknownPathError,
  UnsupportedEncodingError,
  UnsupportedMediaTypeError,
} from './errors.js';
export { formatLabels } from './label-format.js';
export { MAX_LABELS_BYTES, parseLabels } from './labels.js';
export {
  type ColumnarPush,
  type ColumnarStream,
  decodePushColumns,
  type EntryColumns,
  materializeColumns,
} from './loki-columns.js';
export { normalizeLabelName, OTLP_RESOURCE_LABELS } from './otlp-map.js';
export { encodeOtlpStatus, grpcCodeForHttpStatus } from './otlp-status.js';
export { formatRejections } from './rejections.js';
export type {
  DecodedPush,
  DecodeLimits,
  DecodeOptions,
  OtlpLabelStyle,
  PushEntry,
  PushFormat,
  PushRequestInput,
  PushStream,
  RejectedEntries,
} from './types.js';
