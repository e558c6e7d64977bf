import { LabelFilterInvalidError } from './errors.js';
import type { TuiLine } from './line.js';
import type { UserRegex } from './regex.js';

/** One entry of the filter stack: `/!re` hides matching lines, `/=re` keeps only matching lines. */
export interface LineFilter {
  kind: 'hide' | 'keep';
  re: UserRegex;
}

/** Label equality terms (AND), applied before the filter stack. */
export type LabelFilter = ReadonlyArray<{ key: string; value: string }>;

/** Whether a regex matches a line: its message, or any of its label values. */
export function lineMatches(re: UserRegex, line: TuiLine): boolean {
  if (re.test(line.msg)) return true;
  for (const k in line.labels) if (re.test(line.labels[k]!)) return true;
  return false;
}

/** Whether a line passes the label filter and then every filter of the stack, in order. */
export function passesFilters(line: TuiLine, label: LabelFilter, stack: readonly LineFilter[]): boolean {
  for (const t of label) if (line.labels[t.key] !== t.value) return false;
  for (const f of stack) {
    const m = lineMatches(f.re, line);
    if (f.kind === 'hide' ? m : !m) return false;
  }
  return true;
}

/**
 * Parses the `l` prompt: `key=value`, several joined by commas (all must hold). Empty input clears.
 * Throws LabelFilterInvalidError.
 */
export function parseLabelFilter(input: string): LabelFilter {
  const text = input.trim();
  if (text === '') return [];
  return text.split(',').map((part) => {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    if (eq <= 0 || key === '') throw new LabelFilterInvalidError(input);
    return { key, value: part.slice(eq + 1).trim() };
  });
}

/** Text shown in the status bar for the active filters. */
export function describeFilters(label: LabelFilter, stack: readonly LineFilter[]): string[] {
  const out: string[] = [];
  if (label.length > 0) out.push(`LABEL ${label.map((t) => `${t.key}=${t.value}`).join(',')}`);
  for (const f of stack) out.push(`${f.kind === 'hide' ? 'HIDE' : 'KEEP'} /${f.re.source}/`);
  return out;
}
