/** Typed errors of @logtap/triage; commands translate them by `code`. */

export class TriageError extends Error {
  readonly code: string = 'TRIAGE_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option is out of range or inconsistent (e.g. a zero `window`). */
export class TriageOptionError extends TriageError {
  override readonly code = 'TRIAGE_BAD_OPTION';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`triage: invalid option ${option}: ${message}`);
  }
}

/** Partial states built with different options (window, limits) cannot be merged. */
export class TriageMergeError extends TriageError {
  override readonly code = 'TRIAGE_MERGE_MISMATCH';
  constructor(
    readonly field: string,
    readonly left: string,
    readonly right: string,
  ) {
    super(
      `triage: cannot merge partial states with different ${field} (${left} vs ${right}); ` +
        'run every worker with the same options',
    );
  }
}

/** A report.json (or a diff input) does not match the versioned schema. */
export class TriageReportError extends TriageError {
  override readonly code = 'TRIAGE_BAD_REPORT';
  constructor(
    readonly source: string,
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `triage: ${source} is not a logtap triage report (${issues.slice(0, 3).join('; ')}); ` +
        'regenerate it with `logtap triage --out DIR` from this version',
      options,
    );
  }
}
