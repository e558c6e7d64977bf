/**
 * Per-line analysis shared by the engine: parse a JSON log line once, pick its message text for
 * template mining, and classify its severity.
 */
import {
  classifyLine,
  classifyText,
  type InternedSeverity,
  levelFromFields,
  type Severity,
} from './severity.js';

export interface LineInfo extends Severity {
  /** The text templates are mined from: a JSON line's message field, else the line itself. */
  text: string;
}

/** Message fields of structured loggers (pino, bunyan, zap, logrus, slog, Serilog, ECS, OTel). */
const MESSAGE_FIELDS = [
  'msg',
  'message',
  'Message',
  'MESSAGE',
  '@m',
  '@mt',
  'log',
  'body',
  'Body',
  'text',
  'event',
];

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  // Cheap shape check before JSON.parse, which throws (slowly) on most plain-text lines.
  let s = 0;
  while (s < line.length && line.charCodeAt(s) === 32) s++;
  if (line.charCodeAt(s) !== 123 /* { */) return undefined;
  let e = line.length - 1;
  while (e > s && (line.charCodeAt(e) === 32 || line.charCodeAt(e) === 10 || line.charCodeAt(e) === 13)) e--;
  if (line.charCodeAt(e) !== 125 /* } */) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    // Not JSON after all (e.g. "{braces} in text"): treated as plain text.
    return undefined;
  }
}

/** The message of a JSON log object, or a `{key key …}` shape when it has none. */
function messageOf(obj: Record<string, unknown>): string {
  for (const f of MESSAGE_FIELDS) {
    const v = obj[f];
    if (typeof v === 'string' && v !== '') return v;
  }
  return `{${Object.keys(obj).sort().join(' ')}}`;
}

/** Parses (when JSON), picks the message text and classifies the severity of one line. */
export function inspectLine(line: string): LineInfo {
  const obj = parseJsonObject(line);
  if (!obj) {
    const s = classifyLine(line);
    return { level: s.level, reason: s.reason, text: line };
  }
  const text = messageOf(obj);
  const s = classifyLine(text, obj);
  return { level: s.level, reason: s.reason, text };
}

/**
 * {@link inspectLine} for the engine's hot path: returns the (interned) severity and leaves the text
 * to mine in `text`, so no object is allocated per line.
 */
export class LineInspector {
  /** The text of the last inspected line to mine templates from. */
  text = '';

  inspect(line: string): InternedSeverity {
    const obj = parseJsonObject(line);
    if (!obj) {
      this.text = line;
      return classifyText(line) as InternedSeverity;
    }
    const text = messageOf(obj);
    this.text = text;
    return (levelFromFields(obj) ?? classifyText(text)) as InternedSeverity;
  }
}
