/** Base class of every error @logtap/tui throws or reports; `code` is stable, match on it. */
export class TuiError extends Error {
  readonly code: string = 'TUI_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A user-typed regular expression was rejected (syntax, or a construct RE2 cannot run in linear time). */
export class RegexInvalidError extends TuiError {
  override readonly code = 'TUI_REGEX_INVALID';
  constructor(
    readonly pattern: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `invalid regex /${pattern}/: ${reason} (RE2 syntax: no backreferences or lookahead; escape special characters with \\)`,
      options,
    );
  }
}

/** A user-typed regular expression is longer than the UI accepts. */
export class RegexTooLongError extends TuiError {
  override readonly code = 'TUI_REGEX_TOO_LONG';
  constructor(
    readonly length: number,
    readonly max: number,
  ) {
    super(`regex is ${length} characters long; the limit is ${max}: shorten it`);
  }
}

/** A label filter was not of the form key=value. */
export class LabelFilterInvalidError extends TuiError {
  override readonly code = 'TUI_LABEL_FILTER_INVALID';
  constructor(readonly input: string) {
    super(`label filter "${input}" is not key=value (example: app=checkout)`);
  }
}

/** The terminal is smaller than the minimum the views can draw. */
export class TerminalTooSmallError extends TuiError {
  override readonly code = 'TUI_TERMINAL_TOO_SMALL';
  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    super(`terminal is ${cols}x${rows}; logtap needs at least 80x24: enlarge the window`);
  }
}
