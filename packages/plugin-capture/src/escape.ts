/**
 * Terminal-safe text: logs must not drive the terminal that grep or inspect prints them to. A module of its
 * own so that `inspect` does not load grep's dependencies (the TUI, Arrow) to escape label values.
 */

/** C0 controls but tab, DEL and C1 controls: escaped in text output so logs cannot drive the terminal. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const CONTROL_TEST = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\x1b': '\\e' };

/** The text made safe for a terminal: newlines as `\n`, other controls as `\xNN`. */
export function escapeControls(s: string): string {
  if (!CONTROL_TEST.test(s)) return s;
  return s.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
