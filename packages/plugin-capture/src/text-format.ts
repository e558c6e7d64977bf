/** grep's text line for an entry (shared by the entry path and the raw writer's fallback). */

import { type CaptureEntry, TimestampFormatter } from '@logtap/capture/read';
import { serviceOf } from '@logtap/tui/service';
import { escapeControls } from './escape.js';

const SGR = { match: '\x1b[1;31m', time: '\x1b[2m', service: '\x1b[36m', reset: '\x1b[0m' };

/**
 * Text-format line: `2024-01-15T10:32:01.123Z service msg` (time to the millisecond, UTC). With a
 * `highlight` function (grep --color), the time is dimmed, the service coloured and matches in bold red.
 */
export class TextFormatter {
  readonly #service = new WeakMap<object, string>();
  readonly #ts = new TimestampFormatter();

  constructor(readonly highlight?: (msg: string) => Array<[number, number]>) {}

  format(e: CaptureEntry, mark = ' '): string {
    let svc = this.#service.get(e.labels);
    if (svc === undefined) {
      svc = escapeControls(serviceOf(e.labels));
      this.#service.set(e.labels, svc);
    }
    return this.compose(this.#ts.format(e.ts).slice(0, 23), svc, mark, e.msg);
  }

  /**
   * The line from its pieces: the time to the millisecond without its `Z` (23 characters), the escaped
   * service, the mark (' ' plain, ':' a match and '-' a context line when -C is on: grep's convention) and
   * the message as stored.
   */
  compose(time: string, svc: string, mark: string, message: string): string {
    const sep = mark === ' ' ? ' ' : `${mark} `;
    // A trailing CR is what a CRLF-terminated log line leaves: not worth showing as \r.
    const msg = message.endsWith('\r') ? message.slice(0, -1) : message;
    if (this.highlight === undefined) return `${time}Z ${svc}${sep}${escapeControls(msg)}\n`;
    return `${SGR.time}${time}Z${SGR.reset} ${SGR.service}${svc}${SGR.reset}${sep}${this.#body(msg, mark)}\n`;
  }

  /**
   * The coloured message (a final CR already dropped): matches in bold red, except on context lines.
   * Each piece is escaped on its own, so escapes never split a colour code and vice versa.
   */
  #body(msg: string, mark: string): string {
    if (mark === '-' || this.highlight === undefined) return escapeControls(msg);
    let body = '';
    let at = 0;
    for (const [a, b] of this.highlight(msg)) {
      body += `${escapeControls(msg.slice(at, a))}${SGR.match}${escapeControls(msg.slice(a, b))}${SGR.reset}`;
      at = b;
    }
    return body + escapeControls(msg.slice(at));
  }
}
