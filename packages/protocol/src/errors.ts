/**
 * Typed errors of @logtap/protocol. Every failure of {@link decodePush} is a {@link ProtocolError} with a
 * stable `code` and the HTTP status Loki answers for the same request (`httpStatus`), so a receiver can
 * reply with `res.writeHead(err.httpStatus)` and `err.message` without knowing the cases.
 */

/** Every error code this package throws. Stable: commands and receivers switch on them. */
export type ProtocolErrorCode =
  | 'PROTOCOL_UNKNOWN_PATH'
  | 'PROTOCOL_INVALID_CONTENT_TYPE'
  | 'PROTOCOL_UNSUPPORTED_MEDIA_TYPE'
  | 'PROTOCOL_UNSUPPORTED_ENCODING'
  | 'PROTOCOL_BODY_TOO_LARGE'
  | 'PROTOCOL_TOO_MANY_ENTRIES'
  | 'PROTOCOL_LABELS_TOO_LARGE'
  | 'PROTOCOL_BAD_COMPRESSION'
  | 'PROTOCOL_BAD_SNAPPY'
  | 'PROTOCOL_SNAPPY_FRAMED'
  | 'PROTOCOL_BAD_PROTOBUF'
  | 'PROTOCOL_BAD_JSON'
  | 'PROTOCOL_INVALID_PAYLOAD'
  | 'PROTOCOL_INVALID_TIMESTAMP'
  | 'PROTOCOL_INVALID_LABELS'
  | 'PROTOCOL_DUPLICATE_LABEL'
  | 'PROTOCOL_NO_STREAMS';

/** Base class of every error thrown by this package. */
export abstract class ProtocolError extends Error {
  /** Stable machine-readable code, e.g. `PROTOCOL_BODY_TOO_LARGE`. */
  abstract readonly code: ProtocolErrorCode;
  /** The HTTP status Loki (or, for OTLP media types, the OTLP spec) answers for this failure. */
  abstract readonly httpStatus: number;
  override name = 'ProtocolError';
}

/** The request path is none of the push endpoints (`/loki/api/v1/push`, `/api/prom/push`, `/otlp/v1/logs`). */
export class UnknownPathError extends ProtocolError {
  readonly code = 'PROTOCOL_UNKNOWN_PATH';
  readonly httpStatus = 404;
  override name = 'UnknownPathError';
  constructor(readonly path: string) {
    super(
      `no push endpoint at path ${JSON.stringify(path)}: send Loki pushes to /loki/api/v1/push ` +
        `(legacy JSON to /api/prom/push) and OTLP logs to /otlp/v1/logs`,
    );
  }
}

/** Content-Type is missing or not a valid media type (Loki parses it with Go's mime.ParseMediaType → 400). */
export class InvalidContentTypeError extends ProtocolError {
  readonly code = 'PROTOCOL_INVALID_CONTENT_TYPE';
  readonly httpStatus = 400;
  override name = 'InvalidContentTypeError';
  constructor(
    readonly contentType: string | undefined,
    reason: string,
  ) {
    super(
      contentType === undefined || contentType.trim() === ''
        ? 'missing Content-Type header: send application/x-protobuf (snappy-compressed protobuf) or application/json'
        : `invalid Content-Type ${JSON.stringify(contentType)}: ${reason}; send application/x-protobuf or application/json`,
    );
  }
}

/** The media type is valid but this endpoint does not accept it (OTLP: only protobuf and JSON → 415). */
export class UnsupportedMediaTypeError extends ProtocolError {
  readonly code = 'PROTOCOL_UNSUPPORTED_MEDIA_TYPE';
  readonly httpStatus = 415;
  override name = 'UnsupportedMediaTypeError';
  constructor(readonly mediaType: string) {
    super(
      `content type ${JSON.stringify(mediaType)} is not supported for OTLP logs: ` +
        'send application/x-protobuf (ExportLogsServiceRequest) or application/json (OTLP/JSON)',
    );
  }
}

/** Content-Encoding is not one this endpoint decodes (Loki → 400). */
export class UnsupportedEncodingError extends ProtocolError {
  readonly code = 'PROTOCOL_UNSUPPORTED_ENCODING';
  readonly httpStatus = 400;
  override name = 'UnsupportedEncodingError';
  constructor(
    readonly encoding: string,
    readonly supported: readonly string[],
  ) {
    super(
      `Content-Encoding ${JSON.stringify(encoding)} not supported: use one of ${supported.join(', ')} ` +
        '(or send the header without a value)',
    );
  }
}

/** A size limit was exceeded before or while decompressing (Loki: ErrRequestBodyTooLarge → 413). */
export class BodyTooLargeError extends ProtocolError {
  readonly code = 'PROTOCOL_BODY_TOO_LARGE';
  readonly httpStatus = 413;
  override name = 'BodyTooLargeError';
  constructor(
    /** Which limit: the body as received or after decompression. */
    readonly stage: 'compressed' | 'decompressed',
    readonly limit: number,
    /** Size seen or declared (snappy header); `undefined` when decompression stopped at the cap. */
    readonly size: number | undefined,
  ) {
    super(
      `request body too large: ${stage} size ${size === undefined ? `exceeds` : `${size} bytes is over`} the ` +
        `limit of ${limit} bytes; send smaller batches (client batch size) or raise the receiver's limit`,
    );
  }
}

/** More streams or entries than the decoder is allowed to materialise (guards the heap → 413). */
export class TooManyEntriesError extends ProtocolError {
  readonly code = 'PROTOCOL_TOO_MANY_ENTRIES';
  readonly httpStatus = 413;
  override name = 'TooManyEntriesError';
  constructor(
    readonly what: 'streams' | 'entries',
    readonly limit: number,
  ) {
    super(`request has more than ${limit} ${what}; send smaller batches or raise the receiver's limit`);
  }
}

/** A single stream's label string is over 16 MiB (Loki guards its label parser the same way → 413). */
export class LabelsTooLargeError extends ProtocolError {
  readonly code = 'PROTOCOL_LABELS_TOO_LARGE';
  readonly httpStatus = 413;
  override name = 'LabelsTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `stream label string of ${size} bytes is over the limit of ${limit} bytes; use fewer or shorter labels`,
    );
  }
}

/** gzip / deflate data that does not decompress. */
export class BadCompressionError extends ProtocolError {
  readonly code = 'PROTOCOL_BAD_COMPRESSION';
  readonly httpStatus = 400;
  override name = 'BadCompressionError';
  constructor(
    readonly encoding: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `body is not valid ${encoding} data (${reason}); check that Content-Encoding matches how the body was compressed`,
      options,
    );
  }
}

/** A protobuf push body that is not a valid snappy block. */
export class BadSnappyError extends ProtocolError {
  readonly code = 'PROTOCOL_BAD_SNAPPY';
  readonly httpStatus = 400;
  override name = 'BadSnappyError';
  constructor(
    /** What is wrong with the block. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`protobuf push body is not a valid snappy block: ${reason}`, options);
  }
}

/** The body uses the snappy framing (stream) format; Loki only accepts the block format (→ 400). */
export class SnappyFramedError extends ProtocolError {
  readonly code = 'PROTOCOL_SNAPPY_FRAMED';
  readonly httpStatus = 400;
  override name = 'SnappyFramedError';
  constructor() {
    super(
      'protobuf push body uses the snappy framing format ("sNaPpY" stream header); Loki accepts only the ' +
        'snappy block format: compress the whole PushRequest with snappy block compression (e.g. snappy.compress)',
    );
  }
}

/** The (decompressed) protobuf message is malformed. */
export class BadProtobufError extends ProtocolError {
  readonly code = 'PROTOCOL_BAD_PROTOBUF';
  readonly httpStatus = 400;
  override name = 'BadProtobufError';
  constructor(
    /** What was being decoded, e.g. `PushRequest.streams[2].entries[7]`. */
    readonly where: string,
    /** Byte offset in the decompressed message. */
    readonly offset: number,
    reason: string,
  ) {
    super(`malformed protobuf in ${where} at byte ${offset}: ${reason}`);
  }
}

/** The body is not syntactically valid JSON. */
export class BadJsonError extends ProtocolError {
  readonly code = 'PROTOCOL_BAD_JSON';
  readonly httpStatus = 400;
  override name = 'BadJsonError';
  constructor(
    reason: string,
    /** Character offset of the problem when known. */
    readonly offset: number | undefined,
    hint = '',
    options?: ErrorOptions,
  ) {
    super(`body is not valid JSON: ${reason}${hint}`, options);
  }
}

/** Well-formed JSON / protobuf whose content does not match the push schema. */
export class InvalidPayloadError extends ProtocolError {
  readonly code = 'PROTOCOL_INVALID_PAYLOAD';
  readonly httpStatus = 400;
  override name = 'InvalidPayloadError';
  constructor(
    /** JSON path of the offending value, e.g. `streams[0].values[3][1]`. */
    readonly where: string,
    reason: string,
  ) {
    super(`invalid push payload at ${where}: ${reason}`);
  }
}

/** A timestamp that is not parsable or out of range. */
export class InvalidTimestampError extends ProtocolError {
  readonly code = 'PROTOCOL_INVALID_TIMESTAMP';
  readonly httpStatus = 400;
  override name = 'InvalidTimestampError';
  constructor(
    readonly where: string,
    readonly value: string,
    reason: string,
  ) {
    super(
      `invalid timestamp ${JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value)} at ${where}: ${reason}`,
    );
  }
}

/** A label string that does not follow the Prometheus grammar, with the position of the problem. */
export class LabelParseError extends ProtocolError {
  readonly code = 'PROTOCOL_INVALID_LABELS';
  readonly httpStatus = 400;
  override name = 'LabelParseError';
  constructor(
    /** The label string as received (shortened to 200 characters in the message). */
    readonly input: string,
    /** 0-based character offset of the problem in `input`. */
    readonly offset: number,
    /** 1-based line and column of the problem (Prometheus style `line:col`). */
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    const shown = input.length > 200 ? `${input.slice(0, 200)}…` : input;
    super(
      `couldn't parse labels: error parsing labels '${shown}' with error: ${line}:${column}: parse error: ${reason}`,
    );
  }
}

/** A label set names the same label twice (Loki's distributor rejects that stream → 400). */
export class DuplicateLabelError extends ProtocolError {
  readonly code = 'PROTOCOL_DUPLICATE_LABEL';
  readonly httpStatus = 400;
  override name = 'DuplicateLabelError';
  constructor(
    readonly labels: string,
    readonly label: string,
  ) {
    super(`stream '${labels}' has duplicate label name: '${label}'`);
  }
}

/** The request carries no stream at all (Loki → 422). */
export class NoStreamsError extends ProtocolError {
  readonly code = 'PROTOCOL_NO_STREAMS';
  readonly httpStatus = 422;
  override name = 'NoStreamsError';
  constructor() {
    super('error at least one valid stream is required for ingestion');
  }
}

/** True when `err` is a {@link ProtocolError} (also across duplicated module instances, by shape). */
export function isProtocolError(err: unknown): err is ProtocolError {
  return (
    err instanceof ProtocolError ||
    (err instanceof Error &&
      typeof (err as unknown as { code?: unknown }).code === 'string' &&
      (err as unknown as { code: string }).code.startsWith('PROTOCOL_') &&
      typeof (err as unknown as { httpStatus?: unknown }).httpStatus === 'number')
  );
}
