import { createTwoFilesPatch } from 'diff';
import YAML from 'yaml';

/** YAML of a value as kubectl prints it: block style, map keys sorted (so live and computed objects compare). */
export function toYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: true });
}

/**
 * A unified diff (as `diff -u` / `git diff` print it) of two objects rendered as YAML; `label` names
 * both sides, e.g. `deployment/api pod template`. Empty when they are equal.
 */
export function unifiedDiff(label: string, before: unknown, after: unknown): string {
  const a = toYaml(before);
  const b = toYaml(after);
  if (a === b) return '';
  return createTwoFilesPatch(`a/${label}`, `b/${label}`, a, b, 'live', 'after', { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('====='))
    .join('\n');
}
