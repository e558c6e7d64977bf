/**
 * Typed errors of @logtap/capture. Every failure this package reports is a {@link CaptureError} with a
 * stable `code`; commands switch on the code and print the message, which says what failed, why, and how
 * to fix it.
 */

/** Every error code this package throws. Stable: commands switch on them. */
export type CaptureErrorCode =
  | 'CAPTURE_NOT_FOUND'
  | 'CAPTURE_NOT_A_CAPTURE'
  | 'CAPTURE_CORRUPT'
  | 'CAPTURE_LOCKED'
  | 'CAPTURE_IO'
  | 'CAPTURE_WRITER_CLOSED'
  | 'CAPTURE_WRITER_FAILED'
  | 'CAPTURE_INVALID_OPTION'
  | 'CAPTURE_INVALID_ENTRY'
  | 'CAPTURE_INVALID_FILTER'
  | 'CAPTURE_INVALID_REGEX'
  | 'CAPTURE_INVALID_TIME';

/** Base class of every error thrown by this package. */
export abstract class CaptureError extends Error {
  /** Stable machine-readable code, e.g. `CAPTURE_NOT_FOUND`. */
  abstract readonly code: CaptureErrorCode;
  override name = 'CaptureError';
}

/** The capture directory does not exist. */
export class CaptureNotFoundError extends CaptureError {
  readonly code = 'CAPTURE_NOT_FOUND';
  override name = 'CaptureNotFoundError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(
      `capture directory ${dir} does not exist; check the path (a capture is the --dir given to recv)`,
      options,
    );
  }
}

/** The directory exists but holds neither metadata.json, index.jsonl nor any data file. */
export class NotACaptureError extends CaptureError {
  readonly code = 'CAPTURE_NOT_A_CAPTURE';
  override name = 'NotACaptureError';
  constructor(readonly dir: string) {
    super(
      `${dir} is not a capture directory: it has no metadata.json, index.jsonl or *.jsonl[.zst] data file; ` +
        'point at the directory recv wrote',
    );
  }
}

/** A file of the capture cannot be parsed (and the caller asked for strict reading). */
export class CaptureCorruptError extends CaptureError {
  readonly code = 'CAPTURE_CORRUPT';
  override name = 'CaptureCorruptError';
  constructor(
    readonly file: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `capture file ${file} is corrupt: ${detail}; reopen it with the writer to recover what is intact`,
      options,
    );
  }
}

/** Another live writer holds the capture directory. */
export class CaptureLockedError extends CaptureError {
  readonly code = 'CAPTURE_LOCKED';
  override name = 'CaptureLockedError';
  constructor(
    readonly dir: string,
    readonly owner: string,
  ) {
    super(
      `capture directory ${dir} is being written by another process (${owner}); stop it first or use another --dir`,
    );
  }
}

/** A file system operation failed in a way the writer cannot absorb (e.g. the directory is not writable). */
export class CaptureIoError extends CaptureError {
  readonly code = 'CAPTURE_IO';
  override name = 'CaptureIoError';
  constructor(
    readonly path: string,
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`cannot ${operation} ${path}${why}; check the path, its permissions and free space`, options);
  }
}

/** `append`/`flush`/`audit` was called after `close()`. */
export class WriterClosedError extends CaptureError {
  readonly code = 'CAPTURE_WRITER_CLOSED';
  override name = 'WriterClosedError';
  constructor(readonly operation: string) {
    super(
      `cannot ${operation}: the capture writer is closed; open a new CaptureWriter to continue the capture`,
    );
  }
}

/** The writer's background thread failed; the capture on disk stays readable and recoverable. */
export class WriterFailedError extends CaptureError {
  readonly code = 'CAPTURE_WRITER_FAILED';
  override name = 'WriterFailedError';
  constructor(detail: string, options?: ErrorOptions) {
    super(
      `the capture writer failed: ${detail}; what was flushed is on disk, reopen the directory to recover it`,
      options,
    );
  }
}

/** A writer or reader option is out of range. */
export class InvalidOptionError extends CaptureError {
  readonly code = 'CAPTURE_INVALID_OPTION';
  override name = 'InvalidOptionError';
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`invalid capture option ${option}: ${detail}`);
  }
}

/** An entry passed to `append` is not a CaptureEntry (programming error in the caller). */
export class InvalidEntryError extends CaptureError {
  readonly code = 'CAPTURE_INVALID_ENTRY';
  override name = 'InvalidEntryError';
  constructor(detail: string) {
    super(`invalid capture entry: ${detail}; entries need ts: bigint (ns), labels: object, msg: string`);
  }
}

/** A filter (label matcher or message regex) does not parse. */
export class InvalidFilterError extends CaptureError {
  readonly code = 'CAPTURE_INVALID_FILTER';
  override name = 'InvalidFilterError';
  constructor(
    readonly input: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`invalid filter ${JSON.stringify(input)}: ${detail}`, options);
  }
}

/**
 * A user regex (a message pattern, a label matcher's `=~`/`!~` value) does not compile under RE2:
 * bad syntax, or a construct that needs backtracking (backreferences, lookaround), which RE2 refuses
 * so that matching stays linear in the line length.
 */
export class InvalidRegexError extends CaptureError {
  readonly code = 'CAPTURE_INVALID_REGEX';
  override name = 'InvalidRegexError';
  constructor(
    readonly pattern: string,
    readonly reason: string,
    /** Where the pattern came from, e.g. the label matcher `app=~"(a)\\1"`; undefined for a message pattern. */
    readonly where?: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `invalid regular expression ${JSON.stringify(pattern)}${where === undefined ? '' : ` in ${where}`}: ${reason}; ` +
        'patterns use RE2 syntax (no backreferences or lookaround, so matching is linear in the line length); ' +
        'escape special characters with \\ or match the text literally',
      options,
    );
  }
}

/** A time bound (--from/--to) does not parse. */
export class InvalidTimeError extends CaptureError {
  readonly code = 'CAPTURE_INVALID_TIME';
  override name = 'InvalidTimeError';
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(
      `invalid time ${JSON.stringify(input)}: ${detail}; use RFC3339 (2024-01-15T10:32:00Z), HH:MM[:SS] on the ` +
        "capture's date, -30m (before the capture's end) or +5m (after its start)",
    );
  }
}
