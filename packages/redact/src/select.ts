import { RedactConfigError, UnknownRuleError } from './errors.js';
import { BUILTIN_BY_NAME, BUILTIN_RULES, RULE_GROUPS } from './rules/index.js';

function isGroup(name: string): name is keyof typeof RULE_GROUPS {
  return Object.hasOwn(RULE_GROUPS, name);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function unknown(name: string): UnknownRuleError {
  const known = [...BUILTIN_BY_NAME.keys()];
  const err = new UnknownRuleError(name, known);
  const close = [...known, ...Object.keys(RULE_GROUPS)]
    .map((k) => [k, distance(name, k)] as const)
    .filter(([, d]) => d <= 2)
    .sort((x, y) => x[1] - y[1]);
  if (close.length > 0) err.message += `; did you mean "${close[0]![0]}"?`;
  return err;
}

/**
 * Resolves a rule selection to built-in rule names in priority order. Items are rule names or groups
 * (`all`, `secrets`, `pii`, `network`); an item starting with `-` removes rules (`all,-ipv4`). A list of
 * removals only starts from all rules; no list at all means all rules; an empty list means none (custom
 * rules only).
 */
export function resolveRules(selection?: readonly string[]): string[] {
  if (selection === undefined) return [...RULE_GROUPS.all];
  const items = selection.map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) return []; // an explicit empty list: custom rules only
  const include = new Set<string>();
  const exclude = new Set<string>();
  for (const item of items) {
    const minus = item.startsWith('-');
    const name = (minus ? item.slice(1) : item).toLowerCase();
    const names = isGroup(name) ? RULE_GROUPS[name] : BUILTIN_BY_NAME.has(name) ? [name] : undefined;
    if (names === undefined) throw unknown(name);
    for (const n of names) (minus ? exclude : include).add(n);
  }
  if (items.every((i) => i.startsWith('-'))) {
    for (const n of RULE_GROUPS.all) include.add(n);
  }
  const out = BUILTIN_RULES.map((r) => r.name).filter((n) => include.has(n) && !exclude.has(n));
  if (out.length === 0) {
    throw new RedactConfigError(
      `the rule selection "${items.join(',')}" leaves no rules; name at least one rule`,
    );
  }
  return out;
}

/**
 * Parses a flag value like `--redact=email,jwt`: `true`, `all` or an empty value mean every rule,
 * otherwise a comma-separated list for {@link resolveRules}.
 */
export function parseRuleList(value: string): string[] {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'true') return [...RULE_GROUPS.all];
  return resolveRules(v.split(','));
}
