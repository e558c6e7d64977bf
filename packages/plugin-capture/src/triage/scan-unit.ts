/**
 * Reads one scan unit into a triage accumulator: the same code runs in-process (`--jobs 1`) and in
 * each worker thread. Triage filters exactly as slice, export and grep do (the same ToolFilter) and
 * reads with the capture tools' scan (../scan.ts): each frame range is decompressed in one call; without
 * --grep its lines go from raw bytes into the accumulator (./line-reader.ts), with --grep the scan's
 * literal prefilter decodes only the lines that can match.
 */

import type { Capture, LabelMatcher, ReadWarning } from '@logtap/capture';
import type { TriageAccumulator } from '@logtap/triage';
import { compileToolFilter, type ToolFilter } from '../filter.js';
import { compileMessageMatcher } from '../regex.js';
import { scanEntries, scanRanges } from '../scan.js';
import { AccumulatorReader } from './line-reader.js';
import type { ScanUnit } from './units.js';

/** The filter as plain data (what crosses into a worker). Times are resolved already. */
export interface FilterSpec {
  from?: bigint | undefined;
  to?: bigint | undefined;
  labels: LabelMatcher[];
  grep?: string | undefined;
  ignoreCase?: boolean | undefined;
  fixedStrings?: boolean | undefined;
}

/** Compiles a {@link FilterSpec} (throws @logtap/capture's InvalidRegexError for a bad pattern). */
export function compileFilterSpec(spec: FilterSpec): ToolFilter {
  const msg =
    spec.grep === undefined
      ? undefined
      : compileMessageMatcher(spec.grep, {
          ignoreCase: spec.ignoreCase === true,
          fixed: spec.fixedStrings === true,
        });
  return compileToolFilter({ from: spec.from, to: spec.to, labels: spec.labels, msg });
}

/** A capture holding just the unit's file (its index line limited to the unit's frames). */
function unitCapture(dir: string, unit: ScanUnit): Capture {
  return {
    dir,
    index: unit.file.index ? [unit.file.index] : [],
    files: [unit.file],
    missing: [],
    live: false,
    indexedLines: unit.file.index?.lines ?? 0,
    indexedBytes: unit.file.index?.bytes ?? 0,
    diskBytes: unit.file.size,
    warnings: [],
  };
}

/**
 * Pushes the entries of one unit that pass `filter` into `acc` and returns how many. Damaged input is
 * skipped and reported through `onWarning`.
 */
export async function scanUnit(
  dir: string,
  unit: ScanUnit,
  filter: ToolFilter,
  acc: TriageAccumulator,
  onWarning: (w: ReadWarning) => void,
  signal?: AbortSignal,
): Promise<number> {
  const cap = unitCapture(dir, unit);
  if (filter.msg === undefined) {
    const reader = new AccumulatorReader(acc, filter);
    await scanRanges(cap, filter, reader, { signal, onWarning });
    return reader.lines;
  }
  let lines = 0;
  for await (const batch of scanEntries(cap, filter, { signal, onWarning })) {
    const entries = batch.entries;
    for (let i = 0; i < entries.length; i++) acc.push(entries[i]!);
    lines += entries.length;
  }
  return lines;
}
