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

// Compiled once: the rules below run on every line. Speed notes (bench/engine.ts, ns per loghub line):
// a regex that starts with an alternation of literals scans ~40% faster than one that starts with a
// `(?:^|[\s,;])` group, so the boundary before a key is checked by hand; the anchored rules run as
// sticky regexes at the end of the timestamp instead of on a sliced copy of the line; level tokens
// are checked by table lookup; error and warning keywords share one scan.
/**
 * A logfmt level key and its value (groups 1, 2), or an HTTP status key and its value (group 3), in
 * one scan; the character before a key is checked by {@link keyBoundary}. No position can start both
 * kinds of key (their first two letters differ), so the matches of each kind are found in order.
 */
const KEYED =
  /(?:(level|lvl|severity|loglevel|log\.level|levelname)[=:]\s?"?([A-Za-z]+)|(?:status|status_code|http_status|response_code)"?\s?[=:]\s?"?(\d{3})\b)/gi;
const SYSLOG_PRI = /^<(\d{1,3})>/;
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;
const LOGCAT = /^([VDIWEF])\/[^\s:(]+(?:\(\s*\d+\))?:/;
const LOGCAT_THREADTIME = /^\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\s+\d+\s+\d+ ([VDIWEF]) /;
/** Python logging's default `LEVEL:logger:message`. */
const PY_LEVEL = /^(CRITICAL|ERROR|WARNING|INFO|DEBUG):[\w.]*:/;
const HTTP_REQUEST_STATUS =
  /"(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE|PROPFIND) [^"]*" (\d{3})\b/;
/** Sticky: tested at the end of the header timestamp. */
const TRACE_START =
  /(?:Traceback \(most recent call last\)|Exception in thread |Caused by: |Unhandled exception|Uncaught (?:exception|\w*Error)|runtime error: |goroutine \d+ \[|(?:[a-z][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)(?::|$)|[A-Z]\w*(?:Error|Exception): )/y;
const PANIC_START =
  /(?:panic: |PANIC: |thread '[^']*' panicked at |Kernel panic|fatal error: |SIGSEGV|Segmentation fault)/y;
const STACK_FRAME =
  /^(?:\s+at |\s+File "[^"]*", line \d+|\s*\.\.\. \d+ (?:more|common frames omitted)|\t[\w./-]+\.go:\d+)/;
/** Error keywords (group 1) and warning keywords in one scan: an unnegated error hit anywhere wins. */
const KEYWORDS =
  /\b(?:(errors?|exceptions?|fatal|panic(?:ked|s)?|fail(?:s|ed|ure|ures|ing)?|refused|timed? ?out|timeouts?|oomkill(?:ed)?|crashloopbackoff|segfault|segmentation fault|deadline exceeded|core dumped|unreachable|aborted|abort)|warn(?:ing|ings)?|deprecated|retry(?:ing)?|retries|throttl(?:ed|ing)|degraded)\b/gi;
/** Negating words right before a keyword: "0 errors", "no failures", "without error", "never failed". */
const NEGATION_BEFORE = /(?:^|[\s(,;])(?:0|no|zero|without|never|not|none|non)[\s-]*$/i;
/** A keyword used as a key with an empty, zero or nil value: `error=nil`, `errors: 0`, `failed=false`. */
const NEGATED_VALUE =
  /^(?:_?(?:count|total|num|rate))?"?\s?[=:]\s?"?(?:0(?:\.0+)?%?|nil|<nil>|null|none|false|ok|""|\[\]|\{\}|-)?(?:["',;)}\]]|\s|$)/i;
/** Keywords that are settings, not events, when followed by `=value`: `timeout=30s`. */
const SETTING_VALUE = /^"?\s?[=:]\s?"?\d/;
const FREE_SUFFIX = /^-free\b/i;
/** Sticky at 0 (anchored): `test` then `lastIndex` gives the length without a match array. */
const TIMESTAMP =
  /\[?(?:\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{10}(?:\.\d+|\d{3})?)\]?\s*/y;
const WHITESPACE = /\s/;

function skipTimestamp(line: string): number {
  // Common header timestamps: ISO 8601 / RFC 3339, "2024/01/02 15:04:05", syslog "Jan  2 15:04:05",
  // Apache "[Sun Dec 04 04:47:44 2005]", and epoch seconds or milliseconds. Returns the index after it.
  TIMESTAMP.lastIndex = 0;
  return TIMESTAMP.test(line) ? TIMESTAMP.lastIndex : 0;
}

/** `\s` (any Unicode space) for one character code. */
function isRegexSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && WHITESPACE.test(String.fromCharCode(c)));
}

/** Whether a key found at `at` may start there: at the start, or after whitespace or one of `seps`. */
function keyBoundary(line: string, at: number, seps: string): boolean {
  if (at === 0) return true;
  const c = line.charCodeAt(at - 1);
  return isRegexSpace(c) || seps.includes(line[at - 1]!);
}

/**
 * Level words of header tokens, by their first three letters (lower case). A token is a level when it
 * is one of them in upper case (optionally bracketed), in any case inside brackets, or, for the
 * `colon` words, in any case followed by `:` (see {@link tokenLevel}).
 */
interface LevelWord {
  word: string;
  level: Level;
  colon: boolean;
}
const LEVEL_WORDS_BY_PREFIX = new Map<number, LevelWord[]>();
for (const word of 'fatal panic emerg emergency alert crit critical error err severe warn warning info notice debug trace verbose'.split(
  ' ',
)) {
  const k = (word.charCodeAt(0) << 16) | (word.charCodeAt(1) << 8) | word.charCodeAt(2);
  const entry = {
    word,
    level: WORD_LEVELS[word]!,
    colon: 'fatal panic error err warn warning info notice debug trace'.split(' ').includes(word),
  };
  const list = LEVEL_WORDS_BY_PREFIX.get(k);
  if (list) list.push(entry);
  else LEVEL_WORDS_BY_PREFIX.set(k, [entry]);
}

function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function isOpenBracket(c: number): boolean {
  return c === 91 || c === 40 || c === 60 || c === 123; // [ ( < {
}

function isCloseBracket(c: number): boolean {
  return c === 93 || c === 41 || c === 62 || c === 125; // ] ) > }
}

/**
 * The level of a header token `line[i, j)`: `ERROR`, `[ERROR]`, `[error]`, `<warning>`, `WARN:`,
 * `error:` (a bare lower-case word needs the colon, a mixed-case one brackets or the colon).
 */
function tokenLevel(line: string, i: number, j: number): Level | undefined {
  let s = i;
  let e = j;
  const opener = isOpenBracket(line.charCodeAt(s));
  if (opener) s++;
  let colon = false;
  if (e > s && line.charCodeAt(e - 1) === 58) {
    colon = true;
    e--;
  }
  let closer = false;
  if (e > s && isCloseBracket(line.charCodeAt(e - 1))) {
    closer = true;
    e--;
  }
  const len = e - s;
  if (len < 3 || len > 9) return undefined;
  // Compared in place (no slice, no lower-cased copy): the words are ASCII without `k`, and no other
  // character lower-cases to one of their letters.
  const list = LEVEL_WORDS_BY_PREFIX.get(
    (lowerAscii(line.charCodeAt(s)) << 16) |
      (lowerAscii(line.charCodeAt(s + 1)) << 8) |
      lowerAscii(line.charCodeAt(s + 2)),
  );
  if (list === undefined) return undefined;
  for (const w of list) {
    if (w.word.length !== len) continue;
    let upper = true;
    let x = 0;
    for (; x < len; x++) {
      const c = line.charCodeAt(s + x);
      if (lowerAscii(c) !== w.word.charCodeAt(x)) break;
      if (c > 90) upper = false;
    }
    if (x < len) continue;
    if (upper || (opener && closer) || (!opener && !closer && colon && w.colon)) return w.level;
    return undefined;
  }
  return undefined;
}

function headerLevel(line: string, start: number): Severity | undefined {
  // Each header form is only tried when the line starts with a character it can start with.
  const c0 = line.charCodeAt(0);
  let m: RegExpExecArray | null;
  if (c0 === 60 /* < */) {
    m = SYSLOG_PRI.exec(line);
    if (m) {
      const pri = Number(m[1]);
      if (pri <= 191) return sev(levelFromSyslog(pri % 8), 'syslog');
    }
  } else if (c0 >= 65 /* A */ && c0 <= 90 /* Z */) {
    m = KLOG.exec(line);
    if (m) return sev(levelFromWord(m[1]!, true)!, 'klog');
    m = LOGCAT.exec(line);
    if (m) return sev(levelFromWord(m[1]!, true)!, 'logcat');
    m = PY_LEVEL.exec(line);
    if (m) return sev(levelFromWord(m[1]!)!, 'token');
  } else if (c0 >= 48 /* 0 */ && c0 <= 57 /* 9 */) {
    m = LOGCAT_THREADTIME.exec(line);
    if (m) return sev(levelFromWord(m[1]!, true)!, 'logcat');
  }
  // A level token among the first few tokens after the timestamp: "2024-.. ERROR [main] ...",
  // "[error] ...", "host app[12]: <warning> ...".
  let i = start;
  const n = line.length;
  // Tokens end at a space or a tab; without tabs in the line, the native indexOf finds the spaces.
  const tabs = line.indexOf('\t', start) !== -1;
  for (let t = 0; t < 4 && i < n; t++) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    let j: number;
    if (tabs) {
      j = i;
      while (j < n && line.charCodeAt(j) !== 32 && line.charCodeAt(j) !== 9) j++;
    } else {
      j = line.indexOf(' ', i);
      if (j === -1) j = n;
    }
    if (j === i) break;
    if (j - i <= 14) {
      const level = tokenLevel(line, i, j);
      if (level) return sev(level, 'token');
    }
    i = j;
  }
  return undefined;
}

function httpLevel(line: string, keyedStatus: number | undefined): Severity | undefined {
  // The request form needs a quote: skip the regex on the many lines without one.
  const req = line.indexOf('"') === -1 ? null : HTTP_REQUEST_STATUS.exec(line);
  const code = req ? Number(req[1]) : keyedStatus;
  if (code === undefined || code < 100 || code > 599) return undefined;
  if (code >= 500) return sev('error', 'http');
  if (code >= 400) return sev('warn', 'http');
  return sev('info', 'http');
}

function negatedAt(line: string, at: number, end: number): boolean {
  const before = line.slice(Math.max(0, at - 12), at);
  const after = line.slice(end, end + 16);
  // "failover", "errorless" are excluded by \b; "error-free" here.
  return (
    NEGATION_BEFORE.test(before) ||
    NEGATED_VALUE.test(after) ||
    SETTING_VALUE.test(after) ||
    FREE_SUFFIX.test(after)
  );
}

/** The keyword fallback: an unnegated error keyword, else a warning keyword, else negated or none. */
function keywordLevel(line: string): Severity {
  KEYWORDS.lastIndex = 0;
  let warn = false;
  let negated = false;
  for (let m = KEYWORDS.exec(line); m !== null; m = KEYWORDS.exec(line)) {
    if (m[1] === undefined) {
      warn = true;
      continue;
    }
    if (negatedAt(line, m.index, m.index + m[0].length)) {
      negated = true;
      continue;
    }
    return sev('error', 'keyword');
  }
  if (warn) return sev('warn', 'keyword');
  return negated ? sev('unknown', 'negated') : sev('unknown', 'none');
}

/** Results of {@link scanKeyed} (module state: the hot path allocates no result object). */
let keyedLevelWord: string | undefined;
let keyedStatus: number | undefined;

/**
 * Finds the first logfmt level (`level=warn`, after the start, whitespace, `,` or `;`) and the first
 * HTTP status (`status=503`, `"status":503`, after the start, whitespace, `,` or `{`) of a line.
 */
function scanKeyed(line: string): void {
  keyedLevelWord = undefined;
  keyedStatus = undefined;
  let needLevel = true;
  let needStatus = true;
  KEYED.lastIndex = 0;
  for (let m = KEYED.exec(line); m !== null; m = KEYED.exec(line)) {
    const at = m.index;
    if (m[1] !== undefined) {
      if (needLevel && keyBoundary(line, at, ',;')) {
        keyedLevelWord = m[2];
        needLevel = false;
      }
    } else if (
      needStatus &&
      (keyBoundary(line, at, ',{') || (line.charCodeAt(at - 1) === 34 && keyBoundary(line, at - 1, ',{')))
    ) {
      keyedStatus = Number(m[3]);
      needStatus = false;
    }
    if (!needLevel && !needStatus) break;
    KEYED.lastIndex = at + 1; // the next key may start inside this match
  }
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

/** Every reason, in a fixed order: `reasonIndex` of an interned result indexes it. */
export const SEVERITY_REASONS = REASONS;

/** A classification result as returned (interned), with the indexes the engine counts by. */
export interface InternedSeverity extends Severity {
  /** Index in {@link LEVELS}. */
  readonly levelIndex: number;
  /** Index in {@link SEVERITY_REASONS}. */
  readonly reasonIndex: number;
}

/**
 * Interned results: classification returns shared frozen objects instead of allocating per line. The
 * indexes are non-enumerable, so a result still looks like `{ level, reason }` to callers.
 */
const TABLE = Object.fromEntries(
  LEVELS.map((level, li) => [
    level,
    Object.fromEntries(
      REASONS.map((reason, ri) => [
        reason,
        Object.freeze(
          Object.defineProperties(
            { level, reason },
            { levelIndex: { value: li }, reasonIndex: { value: ri } },
          ),
        ),
      ]),
    ),
  ]),
) as Record<Level, Record<SeverityReason, InternedSeverity>>;

function sev(level: Level, reason: SeverityReason): InternedSeverity {
  return TABLE[level][reason];
}

/**
 * Classifies a plain-text line (for JSON lines call {@link levelFromFields} on the parsed object
 * first; {@link classifyLine} does both).
 */
export function classifyText(line: string): Severity {
  scanKeyed(line);
  if (keyedLevelWord !== undefined) {
    const logfmt = levelFromWord(keyedLevelWord, true);
    if (logfmt) return sev(logfmt, 'field');
  }
  const status = keyedStatus;
  const start = skipTimestamp(line);
  PANIC_START.lastIndex = start;
  if (PANIC_START.test(line)) return sev('fatal', 'trace-start');
  const header = headerLevel(line, start);
  if (header) return header;
  const http = httpLevel(line, status);
  if (http) return http;
  TRACE_START.lastIndex = start;
  if (TRACE_START.test(line)) return sev('error', 'trace-start');
  const c0 = line.charCodeAt(0);
  if ((c0 === 46 /* . */ || isRegexSpace(c0)) && STACK_FRAME.test(line)) return sev('unknown', 'stack-frame');
  return keywordLevel(line);
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
