/**
 * Typed errors of `logtap triage` and `logtap diff` (what the commands add on top of @logtap/capture's and
 * @logtap/triage's own errors). The commands translate them by `code` into a message and an exit code.
 */

export type TriageCommandErrorCode =
  | 'TRIAGE_CMD_WORKER_FAILED'
  | 'TRIAGE_CMD_OUTPUT_IO'
  | 'TRIAGE_CMD_OUTPUT_IS_CAPTURE'
  | 'TRIAGE_CMD_INPUT';

export abstract class TriageCommandError extends Error {
  abstract readonly code: TriageCommandErrorCode;
}

/**
 * A worker thread failed. `causeCode` is the code of the error it threw when it had one (e.g.
 * `CAPTURE_IO`), so the command can translate it like an in-process error.
 */
export class WorkerFailedError extends TriageCommandError {
  readonly code = 'TRIAGE_CMD_WORKER_FAILED';
  override name = 'WorkerFailedError';
  constructor(
    readonly worker: number,
    readonly causeCode: string | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `triage worker ${worker} failed: ${detail}; run again with --jobs 1 to see the error in-process`,
      options,
    );
  }
}

/** Writing an output file failed (permissions, disk full, a file where a directory was expected). */
export class OutputWriteError extends TriageCommandError {
  readonly code = 'TRIAGE_CMD_OUTPUT_IO';
  override name = 'OutputWriteError';
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`cannot write ${path}${why}; check the path, its permissions and free space`, options);
  }
}

/** `--out` points at a capture directory: report files would be mixed into the capture. */
export class OutputIsCaptureError extends TriageCommandError {
  readonly code = 'TRIAGE_CMD_OUTPUT_IS_CAPTURE';
  override name = 'OutputIsCaptureError';
  constructor(readonly path: string) {
    super(`--out ${path} is a capture directory; write the report to a directory of its own (e.g. ./triage)`);
  }
}

/** A `diff` input is neither a triage report (report.json or a --out directory) nor a capture. */
export class DiffInputError extends TriageCommandError {
  readonly code = 'TRIAGE_CMD_INPUT';
  override name = 'DiffInputError';
  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `${path}: ${reason}; pass a capture directory, a report.json written by \`logtap triage --out\`, or that --out directory`,
      options,
    );
  }
}
