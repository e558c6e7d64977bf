/** What a rule protects; also the names of the selectable rule groups. */
export type RuleCategory = 'secrets' | 'pii' | 'network';

/**
 * Collects the spans (UTF-16 offsets, end exclusive) that rules want replaced. One sink is reused for
 * every text a redactor sees, so finding matches allocates nothing per line until something is found.
 */
export class SpanSink {
  starts: number[] = [];
  ends: number[] = [];
  rules: number[] = [];
  count = 0;
  /** Index of the rule whose `find` is running; set by the engine. */
  rule = 0;

  reset(): void {
    this.count = 0;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.rules[i] = this.rule;
  }
}

/** A built-in rule: a cheap prefilter plus a finder that reports the spans to replace. */
export interface BuiltinRule {
  readonly name: string;
  readonly category: RuleCategory;
  readonly description: string;
  /** Cheap literal or character test; false means `find` cannot report anything for this text. */
  readonly mayMatch: (text: string) => boolean;
  /** Reports every span to replace, via `sink.add(start, end)`. */
  readonly find: (text: string, sink: SpanSink) => void;
}

/** ASCII letter, digit or underscore (what `\w` matches). */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAlnumCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Character code at `i`, or -1 outside the string (so boundary checks need no length test). */
export function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}

/**
 * Runs a global regex over `text` and calls `onMatch` for each match; `onMatch` returns the index to
 * continue from (usually the match end). Empty matches advance by one so the loop always terminates.
 */
export function eachMatch(
  re: RegExp,
  text: string,
  onMatch: (m: RegExpExecArray) => number | undefined,
): void {
  re.lastIndex = 0;
  let m = re.exec(text);
  while (m !== null) {
    const next = onMatch(m) ?? m.index + m[0].length;
    re.lastIndex = next > m.index ? next : m.index + 1;
    m = re.exec(text);
  }
}

/**
 * Token-shaped strings that are placeholders rather than secrets (`***`, `<token>`, `${PASS}`, `null`,
 * an already redacted value...). Rules skip them so re-redacting is idempotent and docs stay readable.
 */
const PLACEHOLDER =
  /^(?:\*+|x{3,}|X{3,}|\.{3}|-+|null|nil|none|undefined|true|false|redacted|hidden|masked|<[^<>]*>|\$\{[^}]*\}?|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|%[sv]|\[REDACTED[^\]]*\]?)$/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/** [A-Za-z0-9_-]: the base64url alphabet most tokens use. */
export function isTokenCode(c: number): boolean {
  return isWordCode(c) || c === 45;
}

/** Adds the match when the characters around it are not part of the same token. */

function escapeLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A test for "contains one of `literals`": `includes` for one literal, otherwise one regex of the
 * alternatives, which V8 scans about twice as fast as a loop of `includes` (measured on loghub).
 */
export function literalTest(literals: readonly string[]): (text: string) => boolean {
  if (literals.length === 1) {
    const lit = literals[0]!;
    return (text) => text.includes(lit);
  }
  const re = new RegExp(literals.map(escapeLiteral).join('|'));
  return (text) => re.test(text);
}
