/**
 * Typed errors of the capture tools (inspect, slice, export, grep). Capture-level failures stay
 * @logtap/capture's own errors; these cover what the tools add: output targets, arguments.
 * Commands translate them by `code` into a message and an exit code.
 */

export type ToolErrorCode =
  | 'TOOLS_OUTPUT_EXISTS'
  | 'TOOLS_OUTPUT_IO'
  | 'TOOLS_INVALID_ARGUMENT'
  | 'TOOLS_SLICE_INCOMPLETE';

/** Base class of every error of this package. */
export abstract class ToolError extends Error {
  abstract readonly code: ToolErrorCode;
  override name = 'ToolError';
}

/** The output target exists and overwriting it was not asked for. */
export class OutputExistsError extends ToolError {
  readonly code = 'TOOLS_OUTPUT_EXISTS';
  override name = 'OutputExistsError';
  constructor(readonly path: string) {
    super(`${path} already exists; choose another --out or pass --force to replace it`);
  }
}

/** Writing the output failed (disk full, permission, closed pipe). */
export class OutputIoError extends ToolError {
  readonly code = 'TOOLS_OUTPUT_IO';
  override name = 'OutputIoError';
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`cannot write ${path}${why}; check the path, its permissions and free space`, options);
  }
}

/** An argument is well-formed but unusable (e.g. the capture directory given as a grep pattern). */
export class InvalidArgumentError extends ToolError {
  readonly code = 'TOOLS_INVALID_ARGUMENT';
  override name = 'InvalidArgumentError';
  constructor(
    message: string,
    readonly suggestions: string[] = [],
  ) {
    super(message);
  }
}

/** The slice writer lost lines (disk cap, free space or a write error): the output is not the full slice. */
export class SliceIncompleteError extends ToolError {
  readonly code = 'TOOLS_SLICE_INCOMPLETE';
  override name = 'SliceIncompleteError';
  constructor(
    readonly dir: string,
    readonly droppedLines: number,
    detail: string,
  ) {
    super(
      `the slice in ${dir} is incomplete: ${droppedLines} line(s) were not written (${detail}); free some disk space and run slice again`,
    );
  }
}
