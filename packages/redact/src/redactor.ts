import { createHash } from 'node:crypto';
import type { Matcher, RE2JS } from 're2js';
import {
  type CompiledPattern,
  type CustomRule,
  type CustomRuleSet,
  compilePattern,
  compileRe2,
} from './custom.js';
import { PatternError, RedactConfigError } from './errors.js';
import { KeyedHasher } from './hash.js';
import { BUILTIN_BY_NAME, BUILTIN_RULES_VERSION } from './rules/index.js';
import { isSecretKeyName } from './rules/secret-kv.js';
import { isPlaceholder, SpanSink } from './rules/types.js';
import { resolveRules } from './select.js';
import { ibanValid, luhnValid } from './validators.js';

export interface RedactorOptions {
  /** Built-in rule names or groups (`all`, `secrets`, `pii`, `network`, `-name` to remove); default all. */
  rules?: readonly string[] | undefined;
  /** Custom rules, or a whole rule set from {@link loadCustomRules} (its allowlist applies too). */
  custom?: readonly CustomRule[] | CustomRuleSet | undefined;
  /** RE2 patterns; a match whose text matches one of them is kept as is (`@example\.com$`). */
  allow?: readonly string[] | undefined;
  /**
   * Enables keyed hashing: replacements become `[REDACTED:<rule>:<hex>]` where hex is an HMAC-SHA256 of
   * the value under this key (at least 16 bytes; use a random per-capture secret).
   */
  hashKey?: Uint8Array | string | undefined;
  /** Hex characters of the hash tag, 4..64; default 8. */
  hashLength?: number | undefined;
  /** Whether {@link Redactor.redactLabels} redacts (default true); false returns labels unchanged. */
  labels?: boolean | undefined;
}

/** The result of redacting one text. `byRule` is empty (and shared) when nothing was found. */
export interface RedactResult {
  readonly text: string;
  readonly hits: number;
  readonly byRule: Readonly<Record<string, number>>;
}

/** Where a rule matched: UTF-16 offsets into the scanned text, end exclusive. Never holds the value. */
export interface Finding {
  readonly rule: string;
  readonly start: number;
  readonly end: number;
}

/** A description of what a redactor does, stable across processes: recorded in capture metadata. */
export interface RedactionPolicy {
  readonly version: number;
  readonly rules: readonly string[];
  readonly custom: readonly {
    name: string;
    pattern: string;
    flags: string;
    group: number | string;
    validator: string | null;
    replacement: string | null;
    keywords: readonly string[];
  }[];
  readonly allow: readonly string[];
  readonly hashed: boolean;
  readonly hashLength: number | null;
  readonly labels: boolean;
}

export interface Redactor {
  /** Active rule names in priority order (custom rules first, then built-ins). */
  readonly rules: readonly string[];
  /** SHA-256 (hex) of the canonical JSON of {@link policy}; equal policies give equal hashes. */
  readonly policyHash: string;
  readonly policy: RedactionPolicy;
  /** Whether {@link redactLabels} redacts. */
  readonly labelsEnabled: boolean;
  /** Replaces every match in `text`; hits are added to {@link counters}. */
  redact(text: string): RedactResult;
  /**
   * Redacts label (or structured metadata) values: a value under a secret-named key (`password`,
   * `db_token`...) is replaced whole when `secret_kv` is active, other values go through {@link redact}.
   * Returns the same object when nothing changed, otherwise a new null-prototype object.
   */
  redactLabels(labels: Readonly<Record<string, string>>): Record<string, string>;
  /** The spans {@link redact} would replace, without counting them. */
  scan(text: string): Finding[];
  /** Replacements so far, per active rule (zeros included). */
  counters(): Record<string, number>;
}

interface EngineRule {
  readonly name: string;
  readonly mayMatch: (text: string) => boolean;
  readonly find: (text: string, sink: SpanSink) => void;
  /** Fixed replacement; undefined means `[REDACTED:<name>]` (hashed when a key is set). */
  readonly replacement: string | undefined;
}

const EMPTY: Readonly<Record<string, number>> = Object.freeze(Object.create(null));

function customValidator(kind: CustomRule['validator']): ((value: string) => boolean) | undefined {
  if (kind === 'luhn') {
    return (value) => {
      const digits = value.replace(/[ -]/g, '');
      return /^\d{12,19}$/.test(digits) && luhnValid(digits);
    };
  }
  if (kind === 'iban') return (value) => ibanValid(value.toUpperCase());
  return undefined;
}

function customEngineRule(rule: CustomRule, compiled: CompiledPattern): EngineRule {
  const validate = customValidator(rule.validator);
  const { re, group } = compiled;
  let matcher: Matcher | undefined;
  return {
    name: rule.name,
    mayMatch: compiled.prefilter ?? (() => true),
    replacement: rule.replacement,
    find: (text, sink) => {
      // One matcher per rule, re-pointed at each text: no allocation per line.
      matcher = matcher === undefined ? re.matcher(text) : matcher.resetMatcherInput(text);
      while (matcher.find()) {
        const start = matcher.start(group);
        const end = matcher.end(group);
        if (start < 0 || end <= start) continue;
        if (validate !== undefined && !validate(text.slice(start, end))) continue;
        sink.add(start, end);
      }
    },
  };
}

function toKey(key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < 16) {
    throw new RedactConfigError(
      `hash key is ${bytes.length} bytes; use at least 16 random bytes (e.g. crypto.randomBytes(32)) so tags cannot be brute-forced`,
    );
  }
  return bytes;
}

/** Custom rules given as a list or as a rule set from a file (whose allowlist applies too). */
function splitCustom(custom: RedactorOptions['custom']): {
  rules: readonly CustomRule[];
  allow: readonly string[];
} {
  if (custom === undefined) return { rules: [], allow: [] };
  if ('rules' in custom) return { rules: custom.rules, allow: custom.allow };
  return { rules: custom, allow: [] };
}

/** Custom rules first (the user's intent is the more specific), then the selected built-ins. */
function buildEngine(customRules: readonly CustomRule[], builtins: readonly string[]): EngineRule[] {
  const engine: EngineRule[] = [];
  const seen = new Set<string>();
  for (const rule of customRules) {
    if (BUILTIN_BY_NAME.has(rule.name)) {
      throw new RedactConfigError(`custom rule "${rule.name}" has the name of a built-in rule; rename it`);
    }
    if (seen.has(rule.name)) throw new RedactConfigError(`custom rule "${rule.name}" is defined twice`);
    seen.add(rule.name);
    let compiled: CompiledPattern;
    try {
      compiled = compilePattern(rule);
    } catch (cause) {
      throw new PatternError(rule.name, rule.pattern, (cause as Error).message, { cause });
    }
    engine.push(customEngineRule(rule, compiled));
  }
  for (const name of builtins) {
    const b = BUILTIN_BY_NAME.get(name)!;
    engine.push({ name, mayMatch: b.mayMatch, find: b.find, replacement: undefined });
  }
  if (engine.length === 0) throw new RedactConfigError('no redaction rules selected; name at least one rule');
  return engine;
}

class CompiledRedactor implements Redactor {
  readonly rules: readonly string[];
  readonly policy: RedactionPolicy;
  readonly policyHash: string;
  readonly labelsEnabled: boolean;
  readonly #rules: readonly EngineRule[];
  readonly #tokens: readonly string[];
  readonly #hasher: KeyedHasher | undefined;
  readonly #allow: readonly RE2JS[];
  readonly #counts: Float64Array;
  readonly #secretKv: number;
  readonly #sink = new SpanSink();
  // Merged spans of the last collect() call.
  #ms: number[] = [];
  #me: number[] = [];
  #mr: number[] = [];
  #order: number[] = [];

  constructor(opts: RedactorOptions) {
    const { rules: customRules, allow: fileAllow } = splitCustom(opts.custom);
    const allow = [...fileAllow, ...(opts.allow ?? [])];
    const engine = buildEngine(customRules, resolveRules(opts.rules));
    this.#rules = engine;
    this.rules = engine.map((r) => r.name);
    this.#tokens = engine.map((r) => r.replacement ?? `[REDACTED:${r.name}]`);
    this.#counts = new Float64Array(engine.length);
    this.#secretKv = this.rules.indexOf('secret_kv');
    this.#allow = allow.map((p, i) => {
      try {
        return compileRe2(p, '');
      } catch (cause) {
        throw new PatternError(`allow #${i + 1}`, p, (cause as Error).message, { cause });
      }
    });
    const hashLength = opts.hashLength ?? 8;
    if (!Number.isInteger(hashLength) || hashLength < 4 || hashLength > 64) {
      throw new RedactConfigError(`hashLength ${hashLength} is out of range; use 4..64 hex characters`);
    }
    this.#hasher = opts.hashKey === undefined ? undefined : new KeyedHasher(toKey(opts.hashKey), hashLength);
    this.labelsEnabled = opts.labels ?? true;
    this.policy = {
      version: BUILTIN_RULES_VERSION,
      rules: this.rules,
      custom: customRules.map((r) => ({
        name: r.name,
        pattern: r.pattern,
        flags: r.flags ?? '',
        group: r.group ?? 0,
        validator: r.validator ?? null,
        replacement: r.replacement ?? null,
        keywords: r.keywords ?? [],
      })),
      allow,
      hashed: this.#hasher !== undefined,
      hashLength: this.#hasher === undefined ? null : hashLength,
      labels: this.labelsEnabled,
    };
    this.policyHash = createHash('sha256').update(JSON.stringify(this.policy)).digest('hex');
  }

  /** Runs every rule over `text` and merges overlapping spans; returns the number of merged spans. */
  #collect(text: string): number {
    const sink = this.#sink;
    sink.reset();
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!rule.mayMatch(text)) continue;
      sink.rule = i;
      rule.find(text, sink);
    }
    if (sink.count === 0) return 0;
    return this.#merge(text);
  }

  #allowed(value: string): boolean {
    for (const re of this.#allow) if (re.matcher(value).find()) return true;
    return false;
  }

  #merge(text: string): number {
    const { starts, ends, rules } = this.#sink;
    const order = this.#order;
    order.length = 0;
    for (let i = 0; i < this.#sink.count; i++) {
      if (this.#allow.length > 0 && this.#allowed(text.slice(starts[i]!, ends[i]!))) continue;
      order.push(i);
    }
    if (order.length > 1) order.sort((a, b) => starts[a]! - starts[b]! || rules[a]! - rules[b]!);
    const ms = this.#ms;
    const me = this.#me;
    const mr = this.#mr;
    let n = 0;
    for (const i of order) {
      const s = starts[i]!;
      const e = ends[i]!;
      const r = rules[i]!;
      // Overlapping matches become one replacement: the union, labelled with the higher-priority rule,
      // so no part of either value survives.
      if (n > 0 && s < me[n - 1]!) {
        if (e > me[n - 1]!) me[n - 1] = e;
        if (r < mr[n - 1]!) mr[n - 1] = r;
        continue;
      }
      ms[n] = s;
      me[n] = e;
      mr[n] = r;
      n++;
    }
    return n;
  }

  #token(rule: number, value: string): string {
    const fixed = this.#rules[rule]!.replacement;
    if (fixed !== undefined || this.#hasher === undefined) return this.#tokens[rule]!;
    const name = this.#rules[rule]!.name;
    return `[REDACTED:${name}:${this.#hasher.tag(name, value)}]`;
  }

  redact(text: string): RedactResult {
    const n = this.#collect(text);
    if (n === 0) return { text, hits: 0, byRule: EMPTY };
    const byRule: Record<string, number> = Object.create(null);
    let out = '';
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const s = this.#ms[i]!;
      const e = this.#me[i]!;
      const r = this.#mr[i]!;
      out += text.slice(pos, s) + this.#token(r, text.slice(s, e));
      pos = e;
      this.#counts[r]!++;
      const name = this.#rules[r]!.name;
      byRule[name] = (byRule[name] ?? 0) + 1;
    }
    out += text.slice(pos);
    return { text: out, hits: n, byRule };
  }

  scan(text: string): Finding[] {
    const n = this.#collect(text);
    const out: Finding[] = [];
    for (let i = 0; i < n; i++)
      out.push({ rule: this.#rules[this.#mr[i]!]!.name, start: this.#ms[i]!, end: this.#me[i]! });
    return out;
  }

  redactLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
    if (!this.labelsEnabled) return labels as Record<string, string>;
    let out: Record<string, string> | undefined;
    for (const key of Object.keys(labels)) {
      const value = labels[key]!;
      let next: string;
      if (this.#secretKv >= 0 && value.length > 0 && isSecretKeyName(key) && !isPlaceholder(value)) {
        // The key names a secret, so the whole value is one (a label has no `key=` inside to find).
        if (this.#allow.length > 0 && this.#allowed(value)) continue;
        next = this.#token(this.#secretKv, value);
        this.#counts[this.#secretKv]!++;
      } else {
        next = this.redact(value).text;
      }
      if (next === value) continue;
      if (out === undefined) {
        out = Object.create(null) as Record<string, string>;
        for (const k of Object.keys(labels)) out[k] = labels[k]!;
      }
      out[key] = next;
    }
    return out ?? (labels as Record<string, string>);
  }

  counters(): Record<string, number> {
    const out: Record<string, number> = Object.create(null);
    for (let i = 0; i < this.#rules.length; i++) out[this.#rules[i]!.name] = this.#counts[i]!;
    return out;
  }
}

/**
 * Compiles a redactor once (rules, patterns, tokens); `redact` then runs per line with cheap prefilters
 * before any regex. Throws {@link UnknownRuleError}, {@link PatternError} or {@link RedactConfigError}.
 */
export function compileRedactor(opts: RedactorOptions = {}): Redactor {
  return new CompiledRedactor(opts);
}
