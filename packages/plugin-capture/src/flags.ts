/**
 * Flags shared by slice, export and grep (the one filter language, docs/filters.md). Loaded for `--help`:
 * imports nothing but @oclif/core.
 */

import * as Flags from '@oclif/core/flags';

/** --from / --to / --label: the time and label part of the filter. */
export const rangeFlags = {
  from: Flags.string({
    summary:
      "Keep lines at or after this time: RFC 3339 (2024-01-15T14:30:00Z), HH:MM[:SS] on the capture's date, -30m (before the capture's end), +5m (after its start), or a Unix timestamp.",
    helpValue: 'TIME',
  }),
  to: Flags.string({
    summary: 'Keep lines at or before this time (inclusive; same forms as --from).',
    helpValue: 'TIME',
  }),
  label: Flags.string({
    char: 'l',
    summary:
      'Keep lines whose labels match, per line: app=web, app!=web, app=~"web|api", pod!~"canary-.*", or a selector {app="web",env!="dev"}. Repeatable; all must match.',
    helpValue: 'MATCHER',
    multiple: true,
  }),
};

/** -i / -F: how a message pattern is read. */
export const patternFlags = {
  'ignore-case': Flags.boolean({
    char: 'i',
    summary: 'Match the message pattern case-insensitively (same as a leading (?i)).',
    default: false,
  }),
  'fixed-strings': Flags.boolean({
    char: 'F',
    summary: 'Read the message pattern as a literal string, not a regex.',
    default: false,
  }),
};

/** --grep plus the pattern flags: the message part of the filter (slice, export). */
export const messageFlags = {
  grep: Flags.string({
    char: 'g',
    summary: 'Keep lines whose message matches this regex (RE2 syntax, unanchored).',
    helpValue: 'REGEX',
  }),
  ...patternFlags,
};

/** The exit codes shared by inspect, slice, export and grep (also in each command's description). */
export const EXIT = {
  /** grep only: no line matched. Other commands: an unexpected error. */
  noMatchOrUnexpected: 1,
  usage: 2,
  output: 3,
  capture: 4,
} as const;

export const EXIT_CODES_TEXT =
  'Exit codes: 0 success; 1 unexpected error; 2 invalid flag, argument, time, label matcher or regex; 3 output exists or cannot be written; 4 capture directory missing, not a capture, or unreadable.';
