/**
 * The one filter language of logtap's capture tools: an inclusive time range, label matchers with Loki's
 * operators (`=`, `!=`, `=~`, `!~`; a missing label equals ""; regexes are fully anchored) and a regex on
 * the message. Every regex runs on RE2 (see regex.ts): linear-time, so no pattern can hang a scan.
 * {@link compileFilter} turns an {@link EntryFilter} into matchers used per entry and for
 * pruning whole files (index label counts) and frames (time ranges). docs/filters.md is the reference.
 */

import type { CaptureEntry } from './entry-codec.js';
import { InvalidFilterError } from './errors.js';
import { compileLabelPattern, type MessagePattern, parseMessagePattern } from './regex.js';
import type { LabelCounts } from './schema.js';

export type LabelOp = '=' | '!=' | '=~' | '!~';

/** One label condition, e.g. `{ name: 'app', op: '=~', value: 'web|api' }`. */
export interface LabelMatcher {
  name: string;
  op: LabelOp;
  value: string;
}

/** What to keep. Every part is optional; all given parts must match. */
export interface EntryFilter {
  /** Earliest timestamp kept (ns, inclusive). */
  from?: bigint | undefined;
  /** Latest timestamp kept (ns, inclusive). */
  to?: bigint | undefined;
  /** Label conditions, ANDed. */
  labels?: readonly LabelMatcher[] | undefined;
  /** RE2 pattern searched in the message (unanchored). A string is compiled by {@link parseMessagePattern}. */
  msg?: MessagePattern | string | undefined;
}

/** A compiled filter. Build once per scan; matching is allocation-free. */
export interface CompiledFilter {
  /** True when the filter keeps everything. */
  readonly all: boolean;
  readonly from: bigint | undefined;
  readonly to: bigint | undefined;
  matches(e: CaptureEntry): boolean;
  matchTime(ts: bigint): boolean;
  matchLabels(labels: Record<string, string>): boolean;
  matchMsg(msg: string): boolean;
  /** Whether anything in [from, to] can match the time range. */
  overlaps(from: bigint, to: bigint): boolean;
  /**
   * Whether a file with these index label counts can hold a matching line. `counts` undefined (unknown)
   * or keys listed in `overflow` (value maps that were capped) never prune.
   */
  mayMatchLabels(counts: LabelCounts | undefined, lines: number, overflow?: readonly string[]): boolean;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_.\-/]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** Unquotes a Go/LogQL-style string: "double" (JSON escapes) or `backtick` (raw); bare text as-is. */
function unquote(raw: string, input: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch (err) {
      throw new InvalidFilterError(input, 'the quoted value is not a valid string literal', { cause: err });
    }
  }
  if (raw.length >= 2 && raw.startsWith('`') && raw.endsWith('`')) return raw.slice(1, -1);
  return raw;
}

/**
 * Parses one label matcher: `app=web`, `app!=web`, `app=~"web|api"`, `pod!~canary-.*`. Values may be bare,
 * "double-quoted" or `backtick-quoted`. Throws {@link InvalidFilterError}.
 */
export function parseLabelMatcher(input: string): LabelMatcher {
  const m = MATCHER.exec(input);
  if (!m) {
    throw new InvalidFilterError(
      input,
      'expected <label><op><value> with op one of = != =~ !~ (e.g. app=web)',
    );
  }
  const matcher: LabelMatcher = { name: m[1]!, op: m[2] as LabelOp, value: unquote(m[3]!, input) };
  if (matcher.op === '=~' || matcher.op === '!~') compileLabelPattern(matcher.value, matcherText(matcher));
  return matcher;
}

/**
 * Parses a LogQL stream selector, `{app="web", env!~"prod|stg"}` (braces optional), into matchers.
 * Commas inside quoted values are allowed.
 */
export function parseLabelSelector(input: string): LabelMatcher[] {
  let s = input.trim();
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) throw new InvalidFilterError(input, 'missing closing }');
    s = s.slice(1, -1);
  }
  const parts: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== '') {
      cur += c;
      if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') {
      quote = c;
      cur += c;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (quote !== '') throw new InvalidFilterError(input, 'unterminated quoted value');
  if (cur.trim() !== '' || parts.length > 0) parts.push(cur);
  return parts.map((p) => {
    if (p.trim() === '') throw new InvalidFilterError(input, 'empty matcher between commas');
    return parseLabelMatcher(p);
  });
}

type ValueTest = (v: string) => boolean;

/** A matcher as LogQL text, `app=~"web|api"` (names the matcher in errors). */
function matcherText(m: LabelMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

function valueTest(m: LabelMatcher): ValueTest {
  switch (m.op) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~':
      return compileLabelPattern(m.value, matcherText(m));
    case '!~': {
      const test = compileLabelPattern(m.value, matcherText(m));
      return (v) => !test(v);
    }
    default:
      throw new InvalidFilterError(String((m as LabelMatcher).op), 'unknown label operator');
  }
}

/** Compiles a filter (validating regexes and the range). Throws {@link InvalidFilterError}. */
export function compileFilter(filter: EntryFilter = {}): CompiledFilter {
  const from = filter.from;
  const to = filter.to;
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidFilterError(`${from}..${to}`, 'the time range is empty: from is after to');
  }
  const tests = (filter.labels ?? []).map((m) => ({ name: m.name, test: valueTest(m) }));
  const msgRe = typeof filter.msg === 'string' ? parseMessagePattern(filter.msg) : filter.msg;
  // Label sets are shared objects in the reader, so each set is tested once.
  const labelMemo = new WeakMap<object, boolean>();
  const matchLabels = (labels: Record<string, string>): boolean => {
    if (tests.length === 0) return true;
    let r = labelMemo.get(labels);
    if (r === undefined) {
      r = true;
      for (const t of tests) {
        if (!t.test(labels[t.name] ?? '')) {
          r = false;
          break;
        }
      }
      labelMemo.set(labels, r);
    }
    return r;
  };
  const matchTime = (ts: bigint): boolean =>
    (from === undefined || ts >= from) && (to === undefined || ts <= to);
  const re = msgRe;
  const matchMsg = re === undefined ? () => true : (msg: string) => re.test(msg);
  return {
    all: from === undefined && to === undefined && tests.length === 0 && re === undefined,
    from,
    to,
    matchTime,
    matchLabels,
    matchMsg,
    matches: (e) => matchTime(e.ts) && matchLabels(e.labels) && matchMsg(e.msg),
    overlaps: (a, b) => (from === undefined || b >= from) && (to === undefined || a <= to),
    mayMatchLabels: (counts, lines, overflow) => {
      if (counts === undefined || tests.length === 0) return true;
      for (const t of tests) {
        if (overflow?.includes(t.name)) continue;
        const values = counts[t.name] ?? {};
        let labelled = 0;
        let possible = false;
        for (const v in values) {
          labelled += values[v]!;
          if (!possible && t.test(v)) possible = true;
        }
        // Lines without the label compare as "".
        if (!possible && labelled < lines && t.test('')) possible = true;
        if (!possible) return false;
      }
      return true;
    },
  };
}
