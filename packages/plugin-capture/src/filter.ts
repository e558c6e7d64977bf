/**
 * The filter every capture tool takes (--from, --to, --label, --grep), resolved against one capture.
 * Parsing is @logtap/capture's (one time grammar, one label grammar, see docs/filters.md); matching of
 * user regexes is RE2, @logtap/capture's too (see regex.ts), so no pattern can hang a scan. Time bounds are inclusive at
 * both ends; label matchers are ANDed and tested on each line's own labels.
 */

import {
  type Capture,
  captureTimeContext,
  compileLabelPattern,
  formatTimestamp,
  type IndexEntry,
  type LabelMatcher,
  parseLabelSelector,
  parseTimeRange,
} from '@logtap/capture';
import { compileMessageMatcher, type MessageMatcher } from './regex.js';

/** The filter flags as typed by the user. */
export interface FilterInput {
  from?: string | undefined;
  to?: string | undefined;
  /** Label matchers or selectors (`app=web`, `{app="web",pod=~"api-.*"}`), ANDed. */
  labels?: readonly string[] | undefined;
  /** Regex on the message. */
  grep?: string | undefined;
  ignoreCase?: boolean | undefined;
  fixedStrings?: boolean | undefined;
  /** Current time (ns) for `now`; commands pass the clock, tests a constant. */
  nowNs?: bigint | undefined;
}

/** A compiled filter for one capture. Label results are memoised per labels object (the reader shares them). */
export interface ToolFilter {
  readonly from: bigint | undefined;
  readonly to: bigint | undefined;
  readonly labels: readonly LabelMatcher[];
  readonly msg: MessageMatcher | undefined;
  /** True when nothing is filtered. */
  readonly all: boolean;
  matchTime(ts: bigint): boolean;
  matchLabels(labels: Readonly<Record<string, string>>): boolean;
  /** Whether a file (by its index line) can hold a matching line. */
  mayMatchFile(ix: IndexEntry): boolean;
  /** Whether every timestamp in [from, to] passes the time filter. */
  coversTime(from: bigint, to: bigint): boolean;
  /** The filter as data, for --json outputs and slice provenance. */
  describe(): FilterDescription;
}

/** JSON form of a filter (timestamps RFC3339). */
export interface FilterDescription {
  from: string | null;
  to: string | null;
  labels: string[];
  grep: string | null;
  ignore_case: boolean;
}

type ValueTest = (v: string) => boolean;

function valueTest(m: LabelMatcher): ValueTest {
  switch (m.op) {
    case '=':
      return (v) => v === m.value;
    case '!=':
      return (v) => v !== m.value;
    case '=~':
      return compileLabelPattern(m.value, matcherText(m));
    case '!~': {
      const re = compileLabelPattern(m.value, matcherText(m));
      return (v) => !re(v);
    }
  }
}

function matcherText(m: LabelMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

/**
 * Resolves the filter flags against a capture: relative times use the capture's start and end (see
 * captureTimeContext). Throws @logtap/capture's InvalidTimeError / InvalidFilterError /
 * InvalidRegexError.
 */
export function buildFilter(cap: Capture, input: FilterInput): ToolFilter {
  const range = parseTimeRange(input.from, input.to, captureTimeContext(cap, input.nowNs));
  const labels = (input.labels ?? []).flatMap((l) => parseLabelSelector(l));
  const msg =
    input.grep === undefined
      ? undefined
      : compileMessageMatcher(input.grep, {
          ignoreCase: input.ignoreCase === true,
          fixed: input.fixedStrings === true,
        });
  return compileToolFilter({ ...range, labels, msg });
}

/** Builds a filter from parsed parts. */
export function compileToolFilter(parts: {
  from?: bigint | undefined;
  to?: bigint | undefined;
  labels?: readonly LabelMatcher[];
  msg?: MessageMatcher | undefined;
}): ToolFilter {
  const { from, to, msg } = parts;
  const labels = parts.labels ?? [];
  const tests = labels.map((m) => ({ name: m.name, test: valueTest(m) }));
  const memo = new WeakMap<object, boolean>();
  const matchLabels = (l: Readonly<Record<string, string>>): boolean => {
    if (tests.length === 0) return true;
    let r = memo.get(l);
    if (r === undefined) {
      r = true;
      // A missing label compares as "" (Loki's rule): `app!=web` keeps lines without `app`.
      for (const t of tests) {
        if (!t.test(l[t.name] ?? '')) {
          r = false;
          break;
        }
      }
      memo.set(l, r);
    }
    return r;
  };
  return {
    from,
    to,
    labels,
    msg,
    all: from === undefined && to === undefined && tests.length === 0 && msg === undefined,
    matchTime: (ts) => (from === undefined || ts >= from) && (to === undefined || ts <= to),
    matchLabels,
    coversTime: (a, b) => (from === undefined || a >= from) && (to === undefined || b <= to),
    mayMatchFile(ix) {
      if (ix.lines === 0) return false;
      if ((from !== undefined && ix.to < from) || (to !== undefined && ix.from > to)) return false;
      if (ix.labels === undefined) return true;
      for (const t of tests) {
        if (ix.labelsOverflow?.includes(t.name)) continue;
        const values = ix.labels[t.name] ?? {};
        let labelled = 0;
        let possible = false;
        for (const v in values) {
          labelled += values[v]!;
          if (!possible && t.test(v)) possible = true;
        }
        if (!possible && labelled < ix.lines && t.test('')) possible = true;
        if (!possible) return false;
      }
      return true;
    },
    describe: () => ({
      from: from === undefined ? null : formatTimestamp(from),
      to: to === undefined ? null : formatTimestamp(to),
      labels: labels.map(matcherText),
      grep: msg?.source ?? null,
      ignore_case: msg?.ignoreCase ?? false,
    }),
  };
}
