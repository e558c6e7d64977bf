import { readFile } from 'node:fs/promises';
import { RE2JS } from 're2js';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { RulesFileError } from './errors.js';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

const customRuleSchema = z.strictObject({
  name: z.string().regex(NAME, 'must be 1-64 lower-case letters, digits or _, starting with a letter'),
  pattern: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters'),
  replacement: z.string().max(256, 'must be at most 256 characters').optional(),
  validator: z.enum(['luhn', 'iban']).optional(),
  group: z
    .union([
      z.number().int().min(0).max(99),
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a group name'),
    ])
    .optional(),
  flags: z
    .string()
    .regex(/^[ims]*$/, 'must combine i (ignore case), m (multi-line), s (dot matches newline)')
    .optional(),
  keywords: z.array(z.string().min(1).max(64)).max(32).optional(),
  description: z.string().max(500).optional(),
});

const rulesFileSchema = z.union([
  z.array(customRuleSchema),
  z.strictObject({
    rules: z.array(customRuleSchema).default([]),
    allow: z.array(z.string().min(1).max(4096)).max(256).optional(),
  }),
]);

/**
 * A user-defined rule. `pattern` uses RE2 syntax (the syntax of Go's regexp, so the original logtap's
 * pattern files keep working) and runs on a linear-time engine: no pattern can hang the process.
 */
export interface CustomRule {
  /** Rule name, reported in counters and findings; the default replacement is `[REDACTED:<name>]`. */
  name: string;
  pattern: string;
  /** Literal replacement text instead of `[REDACTED:<name>]` (no hashing when set). */
  replacement?: string | undefined;
  /** Keep a match only when it passes this check (digits for luhn, the IBAN for iban). */
  validator?: 'luhn' | 'iban' | undefined;
  /** Replace only this capture group (number or name) instead of the whole match; 0 is the whole match. */
  group?: number | string | undefined;
  /** RE2 flags: i (ignore case), m (^ and $ match at line breaks), s (. matches newline). */
  flags?: string | undefined;
  /** Literals of which at least one must occur (case-insensitively) before the pattern runs: a prefilter. */
  keywords?: string[] | undefined;
  description?: string | undefined;
}

/**
 * The content of a rules file: custom rules plus an allowlist of RE2 patterns. A match (of any rule,
 * built-in or custom) whose text matches an allow pattern is left as is, e.g. `@example\.com$`.
 */
export interface CustomRuleSet {
  readonly rules: readonly CustomRule[];
  readonly allow: readonly string[];
  /** Where the set came from (a file path), for error messages. */
  readonly source?: string | undefined;
}

function describeRule(raw: unknown, index: number): string {
  const name =
    typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string'
      ? (raw as { name: string }).name
      : undefined;
  return name === undefined ? `rule #${index + 1}` : `rule #${index + 1} "${name}"`;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const hints = issue.keys.map((k) =>
      k === 'regex' || k === 'regexp' ? `${k} (did you mean "pattern"?)` : k,
    );
    return `unknown field ${hints.join(', ')}`;
  }
  return issue.message;
}

/** Turns zod issues into messages that name the rule (by number and name) and the field. */
function describeIssues(
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): { problems: string[]; rule?: string } {
  const list = Array.isArray(data)
    ? data
    : typeof data === 'object' && data !== null && Array.isArray((data as { rules?: unknown }).rules)
      ? ((data as { rules: unknown[] }).rules as unknown[])
      : undefined;
  const problems: string[] = [];
  let rule: string | undefined;
  // A union error wraps the issues of each branch; report the branch that matches the file's shape.
  const flat: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = Array.isArray(data) ? issue.errors[0]! : (issue.errors[1] ?? issue.errors[0]!);
      flat.push(...branch);
    } else {
      flat.push(issue);
    }
  }
  for (const issue of flat) {
    const path = [...issue.path];
    if (path[0] === 'rules') path.shift();
    const index = path[0];
    if (typeof index === 'number' && list !== undefined) {
      const where = describeRule(list[index], index);
      rule ??= where;
      const field = path.slice(1).join('.');
      problems.push(`${where}: ${field === '' ? '' : `${field}: `}${issueMessage(issue)}`);
    } else {
      const field = issue.path.join('.');
      problems.push(`${field === '' ? '' : `${field}: `}${issueMessage(issue)}`);
    }
  }
  if (problems.length === 0) problems.push('expected a list of rules or an object with a "rules" list');
  return rule === undefined ? { problems } : { problems, rule };
}

/** Parses the text of a rules file (YAML, or JSON when `source` ends in .json) into a validated rule set. */
export function parseCustomRules(text: string, source = '<rules>'): CustomRuleSet {
  let data: unknown;
  if (source.toLowerCase().endsWith('.json')) {
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new RulesFileError(
        'REDACT_RULES_FILE_SYNTAX',
        source,
        [`not valid JSON: ${(cause as Error).message}`],
        undefined,
        { cause },
      );
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const problems = doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        // The pretty message repeats the position and quotes the line; keep the reason only.
        const reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `not valid YAML${pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`}: ${reason}`;
      });
      throw new RulesFileError('REDACT_RULES_FILE_SYNTAX', source, problems);
    }
    data = doc.toJS();
  }
  if (data === null || data === undefined) return { rules: [], allow: [], source };
  const parsed = rulesFileSchema.safeParse(data);
  if (!parsed.success) {
    const { problems, rule } = describeIssues(data, parsed.error.issues);
    throw new RulesFileError('REDACT_RULES_FILE_INVALID', source, problems, rule);
  }
  const value = parsed.data;
  const rules = (Array.isArray(value) ? value : value.rules).map(stripUndefined);
  const allow = Array.isArray(value) ? [] : (value.allow ?? []);
  const set: CustomRuleSet = { rules, allow, source };
  // Compile now so pattern errors are reported with the file name, before any redactor exists.
  checkCompiles(set);
  return set;
}

function stripUndefined(rule: z.infer<typeof customRuleSchema>): CustomRule {
  const out: CustomRule = { name: rule.name, pattern: rule.pattern };
  if (rule.replacement !== undefined) out.replacement = rule.replacement;
  if (rule.validator !== undefined) out.validator = rule.validator;
  if (rule.group !== undefined) out.group = rule.group;
  if (rule.flags !== undefined) out.flags = rule.flags;
  if (rule.keywords !== undefined) out.keywords = rule.keywords;
  if (rule.description !== undefined) out.description = rule.description;
  return out;
}

function checkCompiles(set: CustomRuleSet): void {
  const problems: string[] = [];
  let first: string | undefined;
  const seen = new Set<string>();
  set.rules.forEach((rule, i) => {
    const where = `rule #${i + 1} "${rule.name}"`;
    try {
      if (seen.has(rule.name)) throw new Error('duplicate rule name; every rule needs its own name');
      seen.add(rule.name);
      compilePattern(rule);
    } catch (e) {
      first ??= where;
      problems.push(`${where}: ${(e as Error).message}`);
    }
  });
  set.allow.forEach((pattern, i) => {
    try {
      compileRe2(pattern, '');
    } catch (e) {
      problems.push(`allow #${i + 1}: pattern ${JSON.stringify(pattern)} ${(e as Error).message}`);
    }
  });
  if (problems.length > 0) {
    throw new RulesFileError('REDACT_RULES_FILE_INVALID', set.source ?? '<rules>', problems, first);
  }
}

/** Reads and validates a rules file; errors name the file, the rule and the problem. */
export async function loadCustomRules(path: string): Promise<CustomRuleSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason =
      (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (cause as Error).message;
    throw new RulesFileError(
      'REDACT_RULES_FILE_UNREADABLE',
      path,
      [`cannot read rules file: ${reason}`],
      undefined,
      {
        cause,
      },
    );
  }
  return parseCustomRules(text, path);
}

/** Compiles an RE2 pattern; the error message says why it does not compile. */
export function compileRe2(pattern: string, flags: string): RE2JS {
  let f = 0;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) f |= RE2JS.MULTILINE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  try {
    return RE2JS.compile(pattern, f);
  } catch (cause) {
    const reason = (cause as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /\\[1-9]|\(\?[=!]|\(\?<[=!]/.test(pattern)
      ? ' (RE2 has no backreferences or lookahead: they are what lets a pattern backtrack without end)'
      : '';
    throw new Error(`does not compile as RE2: ${reason}${hint}`, { cause });
  }
}

/** A compiled custom rule: the pattern, the group to replace and the literal prefilter. */
export interface CompiledPattern {
  readonly re: RE2JS;
  readonly group: number | string;
  readonly prefilter: ((text: string) => boolean) | undefined;
}

const META = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);

/** True when the pattern has a `|` outside any group or class (then no prefix is guaranteed). */
function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** The literal text every match must start with (at least 3 characters), or undefined. */
export function leadingLiteral(pattern: string): string | undefined {
  if (hasTopLevelAlternation(pattern)) return undefined;
  let i = 0;
  while (i < pattern.length && !META.has(pattern[i]!)) i++;
  let lit = pattern.slice(0, i);
  // A quantifier applies to the last literal character only: "abc?d" guarantees "ab".
  if (i < pattern.length && '?*{'.includes(pattern[i]!)) lit = lit.slice(0, -1);
  return lit.length >= 3 ? lit : undefined;
}

function escapeForRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export function compilePattern(rule: CustomRule): CompiledPattern {
  const flags = rule.flags ?? '';
  const re = compileRe2(rule.pattern, flags);
  const group = rule.group ?? 0;
  if (typeof group === 'number' && group > re.groupCount()) {
    throw new Error(`group ${group} does not exist: the pattern has ${re.groupCount()} capture group(s)`);
  }
  if (typeof group === 'string' && !(group in re.namedGroups())) {
    throw new Error(`group "${group}" does not exist: name it in the pattern as (?P<${group}>...)`);
  }
  let prefilter: ((text: string) => boolean) | undefined;
  if (rule.keywords !== undefined && rule.keywords.length > 0) {
    // An alternation of escaped literals: linear for V8, so safe for any keyword list.
    const kw = new RegExp(rule.keywords.map(escapeForRegExp).join('|'), 'i');
    prefilter = (text) => kw.test(text);
  } else if (!flags.includes('i')) {
    const lit = leadingLiteral(rule.pattern);
    if (lit !== undefined) prefilter = (text) => text.includes(lit);
  }
  return { re, group, prefilter };
}
