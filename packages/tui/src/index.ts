export type { AppState, Effect, KeyEvent, Mode, PromptKind, Reduced } from './app-state.js';
export { createAppState, defaultWriteDir, reduceKey, resizeApp, statusBadges } from './app-state.js';
export {
  LabelFilterInvalidError,
  RegexInvalidError,
  RegexTooLongError,
  TerminalTooSmallError,
  TuiError,
} from './errors.js';
export type { LabelFilter, LineFilter } from './filters.js';
export { parseLabelFilter } from './filters.js';
export type { Attr, Cell, Style } from './grid.js';
export { Grid } from './grid.js';
export { KEY_HELP } from './help.js';
export { MIN_COLS, MIN_ROWS } from './layout-log.js';
export type { LiveHeader, ReplayHeader } from './layout-views.js';
export { layoutLive, layoutReplay } from './layout-views.js';
export type { Level } from './level.js';
export { detectLevel, isErrorLevel } from './level.js';
export type { TuiEntry, TuiLine } from './line.js';
export type { LiveSource, LiveViewOptions, ViewOptions, WriteCapture } from './live-view.js';
export { runLiveView } from './live-view.js';
export type { LogView } from './log-view.js';
export type { PickerItem } from './picker.js';
export type { EncodedLines, EncodedSample, RecentLinesOptions } from './recent.js';
export { OTHER_SERVICES, RecentLines } from './recent.js';
export type { UserRegex } from './regex.js';
export { compileUserRegex, MAX_PATTERN_LENGTH } from './regex.js';
export type { ReplayModel } from './replay-model.js';
export { formatSpeed, parseSpeed } from './replay-model.js';
export type { ReplaySource, ReplayViewOptions } from './replay-view.js';
export { runReplayView } from './replay-view.js';
export type { RingLimits } from './ring.js';
export { LineRing } from './ring.js';
export type { Timers } from './scheduler.js';
export { SERVICE_LABEL_KEYS, serviceOf } from './service.js';
export type { LiveStats, Talker } from './stats.js';
export type { Terminal, TerminalOptions } from './terminal.js';
export { openTerminal, restoreTerminals } from './terminal.js';
export { formatRfc3339 } from './time.js';
export {
  clusters,
  codePointWidth,
  sanitizeForDisplay,
  stringWidth,
  truncateToWidth,
  wrapToWidth,
} from './width.js';
export type { CaptureWriterLike } from './write-capture.js';
export { WriteTargetExistsError, writeEntriesAsCapture } from './write-capture.js';
