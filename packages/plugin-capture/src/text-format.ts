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

  constructor(private readonly highlight?: (msg: string) => Array<[number, number]>) {}

  format(e: CaptureEntry, mark = ' '): string {
    let svc = this.#service.get(e.labels);
    if (svc === undefined) {
      svc = escapeControls(serviceOf(e.labels));
      this.#service.set(e.labels, svc);
    }
    const t = this.#ts.format(e.ts);
    // mark: ' ' plain, ':' a match and '-' a context line when -C is on (grep's convention).
    const sep = mark === ' ' ? ' ' : `${mark} `;
    // A trailing CR is what a CRLF-terminated log line leaves: not worth showing as \r.
    const msg = e.msg.endsWith('\r') ? e.msg.slice(0, -1) : e.msg;
    if (this.highlight === undefined) return `${t.slice(0, 23)}Z ${svc}${sep}${escapeControls(msg)}\n`;
    let body = '';
    let at = 0;
    // Each piece is escaped on its own, so escapes never split a colour code and vice versa.
    for (const [a, b] of mark === '-' ? [] : this.highlight(msg)) {
      body += `${escapeControls(msg.slice(at, a))}${SGR.match}${escapeControls(msg.slice(a, b))}${SGR.reset}`;
      at = b;
    }
    body += escapeControls(msg.slice(at));
    return `${SGR.time}${t.slice(0, 23)}Z${SGR.reset} ${SGR.service}${svc}${SGR.reset}${sep}${body}\n`;
  }
}
