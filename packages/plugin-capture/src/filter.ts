/**
 * The filter every capture tool takes (--from, --to, --label, --grep), resolved against one capture.
 * Parsing is @logtap/capture's (one time grammar, one label grammar, see docs/filters.md); matching of
 * user regexes is RE2, @logtap/capture's too (see regex.ts), so no pattern can hang a scan. Time bounds are inclusive at
 * both ends; label matchers are ANDed and tested on each line's own labels.
 */

import {
  type Capture,
  captureTimeContext,
  compileFilter,
  formatTimestamp,
  type IndexEntry,
  type LabelMatcher,
  parseLabelSelector,
  parseTimeRange,
} from '@logtap/capture/read';
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

/**
 * Builds a filter from parsed parts: @logtap/capture's compiled filter (label regexes on RE2, results
 * memoised per labels object) plus what the scans need on top (file pruning by index, time coverage of
 * frames, a description).
 */
export function compileToolFilter(parts: {
  from?: bigint | undefined;
  to?: bigint | undefined;
  labels?: readonly LabelMatcher[];
  msg?: MessageMatcher | undefined;
}): ToolFilter {
  const { from, to, msg } = parts;
  const labels = parts.labels ?? [];
  const c = compileFilter({ from, to, labels, msg });
  return {
    from,
    to,
    labels,
    msg,
    all: c.all,
    matchTime: c.matchTime,
    matchLabels: c.matchLabels,
    coversTime: (a, b) => (from === undefined || a >= from) && (to === undefined || b <= to),
    mayMatchFile: (ix) =>
      ix.lines > 0 && c.overlaps(ix.from, ix.to) && c.mayMatchLabels(ix.labels, ix.lines, ix.labelsOverflow),
    describe: () => ({
      from: from === undefined ? null : formatTimestamp(from),
      to: to === undefined ? null : formatTimestamp(to),
      labels: labels.map(matcherText),
      grep: msg?.source ?? null,
      ignore_case: msg?.ignoreCase ?? false,
    }),
  };
}
