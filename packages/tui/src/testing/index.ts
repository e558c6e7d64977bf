export type { PaneModes, TmuxOptions, WaitOptions } from './tmux.js';
export { TmuxSession, tmuxAvailable } from './tmux.js';
