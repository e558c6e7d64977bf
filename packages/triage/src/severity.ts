/**
 * Severity classification of one log line. Explicit level information always wins over guessing:
 *
 * 1. a structured level field (JSON `level` / `severity` / `lvl` / `@l` / numeric pino, OTel and
 *    syslog levels; logfmt `level=`),
 * 2. a line header: syslog `<PRI>`, klog `E0102 15:04:05`, logcat `E/Tag:`, or a level token among the
 *    first tokens (`ERROR`, `[error]`, `WARN:`, `<warning>`, ...) after an optional timestamp,
 * 3. an HTTP status in an access-log line (`"GET / HTTP/1.1" 503`, `status=503`): 5xx error, 4xx warn,
 * 4. the start of a stack trace or a panic (`panic:`, `Traceback`, `Exception in thread`, `Caused by:`),
 * 5. keywords as a fallback (`failed`, `exception`, `timeout`, ...), ignoring negated uses such as
 *    `0 errors`, `no failures`, `error=nil`, `failed: 0`.
 */

export type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'unknown';

/** Levels from most to least severe; the index is the rank used in sorting. */
export const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'];

/** Which rule decided the level. */
export type SeverityReason =
  | 'field'
  | 'syslog'
  | 'klog'
  | 'logcat'
  | 'token'
  | 'http'
  | 'trace-start'
  | 'stack-frame'
  | 'keyword'
  | 'negated'
  | 'none';

export interface Severity {
  level: Level;
  reason: SeverityReason;
}

/** True for `fatal` and `error`: the lines counted as errors. */
export function isErrorLevel(level: Level): boolean {
  return level === 'fatal' || level === 'error';
}

const WORD_LEVELS: Record<string, Level> = Object.assign(Object.create(null) as Record<string, Level>, {
  fatal: 'fatal',
  panic: 'fatal',
  dpanic: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  error: 'error',
  err: 'error',
  eror: 'error',
  severe: 'error',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  debug: 'debug',
  dbg: 'debug',
  dbug: 'debug',
  fine: 'debug',
  finer: 'trace',
  finest: 'trace',
  trace: 'trace',
  trc: 'trace',
  verbose: 'trace',
});

/** Single letters are levels only inside a structured field (`"level":"E"`), never as free tokens. */
const LETTER_LEVELS: Record<string, Level> = Object.assign(Object.create(null) as Record<string, Level>, {
  f: 'fatal',
  e: 'error',
  w: 'warn',
  i: 'info',
  d: 'debug',
  t: 'trace',
  v: 'trace',
});

/** Maps a level word (any case, single letters allowed when `letters`) to a level. */
export function levelFromWord(word: string, letters = false): Level | undefined {
  const w = word.toLowerCase();
  return WORD_LEVELS[w] ?? (letters && w.length === 1 ? LETTER_LEVELS[w] : undefined);
}

/** pino / bunyan numeric levels (10..60). */
function levelFromPino(n: number): Level {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return 'trace';
}

/** OpenTelemetry SeverityNumber (1..24). */
function levelFromOtel(n: number): Level {
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  return n >= 1 ? 'trace' : 'unknown';
}

/** syslog severity 0..7 (RFC 5424): emerg, alert, crit → fatal; err; warning; notice, info; debug. */
export function levelFromSyslog(n: number): Level {
  if (n <= 2) return 'fatal';
  if (n === 3) return 'error';
  if (n === 4) return 'warn';
  if (n <= 6) return 'info';
  return 'debug';
}

/** Field names that carry a level, most specific first. */
const LEVEL_FIELDS = [
  'level',
  'lvl',
  'severity',
  'severity_text',
  'severityText',
  'SeverityText',
  'loglevel',
  'log_level',
  'logLevel',
  'levelname',
  'level_name',
  '@l',
  '@level',
  'log.level',
] as const;
const NUMERIC_FIELDS = ['severity_number', 'severityNumber', 'SeverityNumber'] as const;
const SYSLOG_FIELDS = ['priority', 'PRIORITY', 'syslog_severity'] as const;
const STATUS_FIELDS = [
  'status',
  'status_code',
  'statusCode',
  'http_status',
  'response_code',
  'http.status_code',
];

/** The level of a parsed JSON object, or undefined when it names none. */
export function levelFromFields(obj: Record<string, unknown>): Severity | undefined {
  for (const f of LEVEL_FIELDS) {
    let v = obj[f];
    if (v === undefined && f === 'log.level') {
      const log = obj['log'];
      if (log && typeof log === 'object') v = (log as Record<string, unknown>)['level'];
    }
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') {
      const l = levelFromWord(v.trim(), true);
      if (l) return sev(l, 'field');
      const n = Number(v);
      if (v.trim() !== '' && Number.isFinite(n)) return sev(numericLevel(f, n), 'field');
    } else if (typeof v === 'number') {
      return sev(numericLevel(f, v), 'field');
    }
  }
  for (const f of NUMERIC_FIELDS) {
    const v = obj[f];
    if (typeof v === 'number') return sev(levelFromOtel(v), 'field');
  }
  for (const f of SYSLOG_FIELDS) {
    const v = obj[f];
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 7) {
      return sev(levelFromSyslog(n), 'field');
    }
  }
  for (const f of STATUS_FIELDS) {
    const v = obj[f];
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599) {
      if (n >= 500) return sev('error', 'http');
      if (n >= 400) return sev('warn', 'http');
      return sev('info', 'http');
    }
  }
  return undefined;
}

function numericLevel(field: string, n: number): Level {
  // `severity` 0..7 is syslog; small `level` numbers in the wild are syslog too; 10..60 is pino.
  if (n >= 10) return levelFromPino(n);
  if (field === 'severity' || field === 'level' || field === 'lvl')
    return levelFromSyslog(Math.max(0, Math.trunc(n)));
  return levelFromOtel(n);
}

// Compiled once: the rules below run on every line.
const LOGFMT_LEVEL = /(?:^|[\s,;])(?:level|lvl|severity|loglevel|log\.level|levelname)[=:]\s?"?([A-Za-z]+)/i;
const SYSLOG_PRI = /^<(\d{1,3})>/;
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;
const LOGCAT = /^([VDIWEF])\/[^\s:(]+(?:\(\s*\d+\))?:/;
const LOGCAT_THREADTIME = /^\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\s+\d+\s+\d+ ([VDIWEF]) /;
/** A level word as a header token: bare upper-case, or any case when bracketed or followed by `:`. */
const LEVEL_TOKEN =
  /^[[(<{]?(FATAL|PANIC|EMERG(?:ENCY)?|ALERT|CRIT(?:ICAL)?|ERROR|ERR|SEVERE|WARN(?:ING)?|INFO|NOTICE|DEBUG|TRACE|VERBOSE)[\])>}]?:?$/;
const LEVEL_TOKEN_ANYCASE =
  /^(?:[[(<{](fatal|panic|emerg(?:ency)?|alert|crit(?:ical)?|error|err|severe|warn(?:ing)?|info|notice|debug|trace|verbose)[\])>}]:?|(fatal|panic|error|err|warn(?:ing)?|info|notice|debug|trace):)$/i;
/** Python logging's default `LEVEL:logger:message`. */
const PY_LEVEL = /^(CRITICAL|ERROR|WARNING|INFO|DEBUG):[\w.]*:/;
const HTTP_REQUEST_STATUS =
  /"(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE|PROPFIND) [^"]*" (\d{3})\b/;
const HTTP_KV_STATUS =
  /(?:^|[\s,{])"?(?:status|status_code|http_status|response_code)"?\s?[=:]\s?"?(\d{3})\b/i;
const TRACE_START =
  /^(?:Traceback \(most recent call last\)|Exception in thread |Caused by: |Unhandled exception|Uncaught (?:exception|\w*Error)|runtime error: |goroutine \d+ \[|(?:[a-z][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)(?::|$)|[A-Z]\w*(?:Error|Exception): )/;
const PANIC_START =
  /^(?:panic: |PANIC: |thread '[^']*' panicked at |Kernel panic|fatal error: |SIGSEGV|Segmentation fault)/;
const STACK_FRAME =
  /^(?:\s+at |\s+File "[^"]*", line \d+|\s*\.\.\. \d+ (?:more|common frames omitted)|\t[\w./-]+\.go:\d+)/;
const ERROR_KEYWORD =
  /\b(?:errors?|exceptions?|fatal|panic(?:ked|s)?|fail(?:s|ed|ure|ures|ing)?|refused|timed? ?out|timeouts?|oomkill(?:ed)?|crashloopbackoff|segfault|segmentation fault|deadline exceeded|core dumped|unreachable|aborted|abort)\b/gi;
const WARN_KEYWORD =
  /\b(?:warn(?:ing|ings)?|deprecated|retry(?:ing)?|retries|throttl(?:ed|ing)|degraded)\b/gi;
/** Negating words right before a keyword: "0 errors", "no failures", "without error", "never failed". */
const NEGATION_BEFORE = /(?:^|[\s(,;])(?:0|no|zero|without|never|not|none|non)[\s-]*$/i;
/** A keyword used as a key with an empty, zero or nil value: `error=nil`, `errors: 0`, `failed=false`. */
const NEGATED_VALUE =
  /^(?:_?(?:count|total|num|rate))?"?\s?[=:]\s?"?(?:0(?:\.0+)?%?|nil|<nil>|null|none|false|ok|""|\[\]|\{\}|-)?(?:["',;)}\]]|\s|$)/i;
/** Keywords that are settings, not events, when followed by `=value`: `timeout=30s`. */
const SETTING_VALUE = /^"?\s?[=:]\s?"?\d/;

function skipTimestamp(line: string): number {
  // Common header timestamps: ISO 8601 / RFC 3339, "2024/01/02 15:04:05", syslog "Jan  2 15:04:05",
  // Apache "[Sun Dec 04 04:47:44 2005]", and epoch seconds or milliseconds. Returns the index after it.
  const m =
    /^\[?(?:\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{10}(?:\.\d+|\d{3})?)\]?\s*/.exec(
      line,
    );
  return m ? m[0].length : 0;
}

function headerLevel(line: string): Severity | undefined {
  let m = SYSLOG_PRI.exec(line);
  if (m) {
    const pri = Number(m[1]);
    if (pri <= 191) return sev(levelFromSyslog(pri % 8), 'syslog');
  }
  m = KLOG.exec(line);
  if (m) return sev(levelFromWord(m[1]!, true)!, 'klog');
  m = LOGCAT.exec(line) ?? LOGCAT_THREADTIME.exec(line);
  if (m) return sev(levelFromWord(m[1]!, true)!, 'logcat');
  m = PY_LEVEL.exec(line);
  if (m) return sev(levelFromWord(m[1]!)!, 'token');
  // A level token among the first few tokens after the timestamp: "2024-.. ERROR [main] ...",
  // "[error] ...", "host app[12]: <warning> ...".
  const start = skipTimestamp(line);
  let i = start;
  const n = line.length;
  for (let t = 0; t < 4 && i < n; t++) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    let j = i;
    while (j < n && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 9) j++;
    if (j === i) break;
    const tok = line.slice(i, j);
    if (tok.length <= 14) {
      const up = LEVEL_TOKEN.exec(tok);
      if (up) return sev(levelFromWord(up[1]!)!, 'token');
      const any = LEVEL_TOKEN_ANYCASE.exec(tok);
      if (any) return sev(levelFromWord((any[1] ?? any[2])!)!, 'token');
    }
    i = j;
  }
  return undefined;
}

function httpLevel(line: string): Severity | undefined {
  const m = HTTP_REQUEST_STATUS.exec(line) ?? HTTP_KV_STATUS.exec(line);
  if (!m) return undefined;
  const code = Number(m[1]);
  if (code < 100 || code > 599) return undefined;
  if (code >= 500) return sev('error', 'http');
  if (code >= 400) return sev('warn', 'http');
  return sev('info', 'http');
}

/** Scans keyword hits, skipping negated ones. Returns 'hit', 'negated' (only negated hits) or 'none'. */
function keywordScan(line: string, re: RegExp, negatable: boolean): 'hit' | 'negated' | 'none' {
  re.lastIndex = 0;
  let negated = false;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (negatable) {
      const before = line.slice(Math.max(0, m.index - 12), m.index);
      const after = line.slice(m.index + m[0].length, m.index + m[0].length + 16);
      if (NEGATION_BEFORE.test(before) || NEGATED_VALUE.test(after) || SETTING_VALUE.test(after)) {
        negated = true;
        continue;
      }
      // "failover", "errorless" are excluded by \b; "error-free" here.
      if (/^-free\b/i.test(after)) {
        negated = true;
        continue;
      }
    }
    return 'hit';
  }
  return negated ? 'negated' : 'none';
}

const REASONS: readonly SeverityReason[] = [
  'field',
  'syslog',
  'klog',
  'logcat',
  'token',
  'http',
  'trace-start',
  'stack-frame',
  'keyword',
  'negated',
  'none',
];

/** Interned results: classification returns shared frozen objects instead of allocating per line. */
const TABLE = Object.fromEntries(
  LEVELS.map((level) => [
    level,
    Object.fromEntries(REASONS.map((reason) => [reason, Object.freeze({ level, reason })])),
  ]),
) as Record<Level, Record<SeverityReason, Severity>>;

function sev(level: Level, reason: SeverityReason): Severity {
  return TABLE[level][reason];
}

/**
 * Classifies a plain-text line (for JSON lines call {@link levelFromFields} on the parsed object
 * first; {@link classifyLine} does both).
 */
export function classifyText(line: string): Severity {
  const logfmt = LOGFMT_LEVEL.exec(line);
  if (logfmt) {
    const l = levelFromWord(logfmt[1]!, true);
    if (l) return sev(l, 'field');
  }
  const body = line.slice(skipTimestamp(line));
  if (PANIC_START.test(body)) return sev('fatal', 'trace-start');
  const header = headerLevel(line);
  if (header) return header;
  const http = httpLevel(line);
  if (http) return http;
  if (TRACE_START.test(body)) return sev('error', 'trace-start');
  if (STACK_FRAME.test(line)) return sev('unknown', 'stack-frame');
  const err = keywordScan(line, ERROR_KEYWORD, true);
  if (err === 'hit') return sev('error', 'keyword');
  const warn = keywordScan(line, WARN_KEYWORD, false);
  if (warn === 'hit') return sev('warn', 'keyword');
  if (err === 'negated') return sev('unknown', 'negated');
  return sev('unknown', 'none');
}

/**
 * Classifies one line: a JSON object's level/severity/status fields when the line is JSON, else the
 * text rules. `parsed` lets a caller that already parsed the JSON skip a second parse.
 */
export function classifyLine(line: string, parsed?: Record<string, unknown>): Severity {
  if (parsed) {
    const f = levelFromFields(parsed);
    if (f) return f;
  }
  return classifyText(line);
}
