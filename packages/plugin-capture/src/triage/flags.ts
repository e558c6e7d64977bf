/**
 * Flags and exit codes of `logtap triage` and `logtap diff` beyond the capture tools' shared ones
 * (../flags.ts: --from/--to/--label, --grep/-i/-F, exit codes 2/3/4). Loaded for `--help`: imports
 * nothing but @oclif/core.
 */

import * as Flags from '@oclif/core/flags';
import { EXIT as TOOLS_EXIT } from '../flags.js';

export const scanFlags = {
  window: Flags.string({
    summary: 'Bucket width of the timeline, spikes and bursts: 10s, 1m, 5m, 1h.',
    default: '1m',
    helpValue: 'DURATION',
  }),
  jobs: Flags.integer({
    char: 'j',
    summary:
      'Threads for the scan, the main one and N-1 workers (default: one per core, at most 8; 1 below 32 MB). The report does not depend on it.',
    min: 1,
    max: 64,
    helpValue: 'N',
  }),
};

/** Exit codes (also in each command's description and docs/triage.md). */
export const EXIT = {
  unexpected: 1,
  usage: TOOLS_EXIT.usage,
  output: TOOLS_EXIT.output,
  input: TOOLS_EXIT.capture,
  /** diff --ci: the verdict is one of --fail-on. */
  verdict: 6,
  interrupted: 130,
} as const;
