/** Severity levels the view colours and `e`/`E` jump between. */
export type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const WORDS: Record<string, Level> = Object.assign(Object.create(null) as Record<string, Level>, {
  fatal: 'fatal',
  panic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  error: 'error',
  err: 'error',
  severe: 'error',
  failure: 'error',
  warn: 'warn',
  warning: 'warn',
  notice: 'info',
  info: 'info',
  information: 'info',
  informational: 'info',
  debug: 'debug',
  fine: 'debug',
  trace: 'trace',
  finer: 'trace',
  finest: 'trace',
});

const LEVEL_LABELS = ['level', 'severity', 'detected_level', 'lvl', 'loglevel', 'log_level', 'severity_text'];

// JSON ("level":"warn" / "level":50) and logfmt (level=warn) fields, anywhere in the line.
const FIELD_RE =
  /(?:^|[\s{,"])"?(?:level|lvl|severity|log_?level|severity_?text)"?\s*[:=]\s*"?([A-Za-z]+|\d{1,2})\b/i;
// An upper-case level word standing alone, or a bracketed/colon-terminated lower-case one, near the start.
const TOKEN_RE =
  /(?:^|[\s[(<|:-])(FATAL|PANIC|EMERG|ALERT|CRIT(?:ICAL)?|ERROR|ERR|SEVERE|WARN(?:ING)?|NOTICE|INFO|DEBUG|TRACE)(?=$|[\s\]):>|,-])|[[<](fatal|panic|crit|critical|error|err|warn|warning|notice|info|debug|trace)[\]>]|^(fatal|panic|error|warning|warn)\b:/;
// klog/glog: "E0102 15:04:05.000000 ..." (I, W, E, F).
const KLOG_RE = /^([IWEF])\d{4} \d\d:\d\d:\d\d/;
const KLOG: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };
// Last resort for unstructured lines: stack traces and panics are errors.
const FALLBACK_RE =
  /^Traceback \(most recent call last\)|^panic: |^\s*at [\w$.]+\(|^Exception in thread |\b[A-Z]\w*(?:Exception|Error): /;

function fromWord(word: string): Level | undefined {
  if (/^\d+$/.test(word)) {
    // pino/bunyan numeric levels
    const n = Number(word);
    if (n >= 60) return 'fatal';
    if (n >= 50) return 'error';
    if (n >= 40) return 'warn';
    if (n >= 30) return 'info';
    if (n >= 20) return 'debug';
    if (n >= 10) return 'trace';
    return undefined;
  }
  return WORDS[word.toLowerCase()];
}

/** How far into a message the detector looks: levels sit near the start; long payloads are not scanned. */
const SCAN = 400;

/**
 * Detects the severity of a log line from its labels, a structured level field (JSON or logfmt), a level
 * word (`ERROR`, `[warn]`, klog's `E0102`), or a stack-trace shape. Returns undefined when unknown.
 */
export function detectLevel(msg: string, labels?: Readonly<Record<string, string>>): Level | undefined {
  if (labels) {
    for (const k of LEVEL_LABELS) {
      const v = labels[k];
      if (v !== undefined) {
        const l = fromWord(v);
        if (l) return l;
      }
    }
  }
  const head = msg.length > SCAN ? msg.slice(0, SCAN) : msg;
  const f = FIELD_RE.exec(head);
  if (f) {
    const l = fromWord(f[1]!);
    if (l) return l;
  }
  const k = KLOG_RE.exec(head);
  if (k) return KLOG[k[1]!];
  const t = TOKEN_RE.exec(head);
  if (t) {
    const l = fromWord((t[1] ?? t[2] ?? t[3])!);
    if (l) return l;
  }
  if (FALLBACK_RE.test(head)) return 'error';
  return undefined;
}

/** True for the levels `e`/`E` stop at. */
export function isErrorLevel(level: Level | undefined): boolean {
  return level === 'error' || level === 'fatal';
}
