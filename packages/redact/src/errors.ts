/**
 * Typed errors of @logtap/redact. Every error has a stable `code` that commands translate into messages
 * and exit codes; context lives in fields, never only in the message.
 */
export class RedactError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A rule or group name that does not exist (flag values like `--redact=emial`). */
export class UnknownRuleError extends RedactError {
  readonly rule: string;
  readonly known: readonly string[];
  constructor(rule: string, known: readonly string[]) {
    super(
      'REDACT_UNKNOWN_RULE',
      `unknown redaction rule "${rule}": use one of ${known.join(', ')} (or a group: all, secrets, pii, network)`,
    );
    this.rule = rule;
    this.known = known;
  }
}

/** Invalid compile options (an empty rule selection, a bad hash key, a duplicate custom rule name...). */
export class RedactConfigError extends RedactError {
  constructor(message: string, options?: ErrorOptions) {
    super('REDACT_CONFIG_INVALID', message, options);
  }
}

/**
 * A custom rules file that cannot be read, parsed or validated. `file` and (when known) `rule` say where;
 * `problems` lists every problem found, each already prefixed with its location.
 */
export class RulesFileError extends RedactError {
  readonly file: string;
  readonly rule: string | undefined;
  readonly problems: readonly string[];
  constructor(
    code: 'REDACT_RULES_FILE_UNREADABLE' | 'REDACT_RULES_FILE_SYNTAX' | 'REDACT_RULES_FILE_INVALID',
    file: string,
    problems: readonly string[],
    rule?: string,
    options?: ErrorOptions,
  ) {
    super(code, `${file}: ${problems.join('; ')}`, options);
    this.file = file;
    this.rule = rule;
    this.problems = problems;
  }
}

/** A custom rule whose pattern does not compile under RE2 syntax, or that a validator cannot use. */
export class PatternError extends RedactError {
  readonly rule: string;
  readonly pattern: string;
  constructor(rule: string, pattern: string, reason: string, options?: ErrorOptions) {
    super('REDACT_PATTERN_INVALID', `rule "${rule}": pattern ${JSON.stringify(pattern)} ${reason}`, options);
    this.rule = rule;
    this.pattern = pattern;
  }
}
