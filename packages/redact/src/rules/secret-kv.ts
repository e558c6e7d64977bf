import { type BuiltinRule, codeAt, eachMatch, isAlnumCode, isPlaceholder, type SpanSink } from './types.js';

/**
 * Key names that hold secrets. A key matches when one of these words ends it, optionally followed by a
 * suffix like `_key` or `_hash`, and the word starts a new part of the key (after `_ - .`, a camelCase
 * hump, or nothing): `password`, `DB_PASSWORD`, `clientSecret`, `x-api-key`, `aws_session_token`, but not
 * `bypass`, `tokenizer`, `secretary` or `max_tokens`.
 */
const KEY_WORD =
  'pass(?:word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|(?:encryption|signing|master)[_-]?key|credentials?|sess(?:ion)?[_-]?(?:id|key|token)|auth[_-]?(?:key|token)|signature';
const KEY_SUFFIX = '(?:[_-]?(?:key|id|value|hash|token|b64|base64))?';

/** A secret key word followed by an assignment: `=`, `:`, `=>`, a quote-colon (JSON) or `>` (XML). */
const KEY_ASSIGN = new RegExp(
  `(?:${KEY_WORD})${KEY_SUFFIX}(?=(\\\\?["']?)\\s*(=>|:=|[:=>])|\\s+[^\\s=:])`,
  'gi',
);
const KEY_NAME = new RegExp(`(?:${KEY_WORD})${KEY_SUFFIX}$`, 'i');

/**
 * Prefilter: every key word contains one of these, in one of three casings. Case-sensitive alternatives
 * are about twice as fast as one case-insensitive regex in V8 (measured on loghub).
 */
const HINT =
  /pass|Pass|PASS|ecret|ECRET|oken|OKEN|key|Key|KEY|redential|REDENTIAL|sess|Sess|SESS|ignature|IGNATURE/;

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** The key word at `start` begins a new part of the key (not the tail of `bypass` or `APITOKEN`). */
function startsKeyPart(text: string, start: number): boolean {
  const prev = codeAt(text, start - 1);
  if (!isAlnumCode(prev)) return true;
  const first = text.charCodeAt(start);
  if (isLower(prev) && isUpper(first)) return true; // camelCase: dbPassword, clientSecret
  // Upper-case session cookies glue a prefix on: JSESSIONID, PHPSESSID, ASPSESSIONID.
  return isUpper(prev) && first === 83 && text.startsWith('SESS', start);
}

/** True when a label or field name holds a secret by its name (`password`, `db_token`, `apiKey`). */
export function isSecretKeyName(name: string): boolean {
  const m = KEY_NAME.exec(name);
  return m !== null && startsKeyPart(name, m.index);
}

/** Characters that end an unquoted value (logfmt, query strings, YAML, headers). */
function endsBareValue(c: number): boolean {
  return (
    c <= 32 ||
    c === 44 || // ,
    c === 59 || // ;
    c === 38 || // &
    c === 41 || // )
    c === 125 || // }
    c === 93 || // ]
    c === 34 || // "
    c === 39 || // '
    c === 60 || // <
    c === 62 || // >
    c === 92 || // \
    c === 124 // |
  );
}

/** End of a quoted value starting after the opening quote at `from`; backslash escapes are skipped. */
function quotedEnd(text: string, from: number, quote: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === quote) return i;
    else if (c === 10) return i;
  }
  return text.length;
}

const NUMBER = /^(?:0x[0-9a-f]+|\d+)$/i;

function addValue(text: string, sink: SpanSink, start: number, end: number, numericIsId: boolean): void {
  if (end <= start) return;
  const first = text.charCodeAt(start);
  // `secret: {` / `token: [` name an object, `Token::Parse` is a C++ scope: not values.
  if (first === 123 || first === 91 || first === 58) return;
  const value = text.slice(start, end);
  if (isPlaceholder(value)) return;
  // A session id that is a plain number (ZooKeeper's `sessionid: 0x14ede63a5a70002`) names a session;
  // web session ids (JSESSIONID, PHPSESSID, session_id cookies) are long random strings.
  if (numericIsId && NUMBER.test(value)) return;
  sink.add(start, end);
}

/** `Token: Token { kind: ... }`: an unquoted word followed by `{` or `[` is a type name, not a value. */
function startsStructure(text: string, from: number): boolean {
  let i = from;
  while (i < text.length && text.charCodeAt(i) === 32) i++;
  const c = codeAt(text, i);
  return c === 123 || c === 91;
}

/** Start of the whole key around a key word: `db_password` for `password`, `x-api-key` for `api-key`. */
function keyBegin(text: string, wordStart: number): number {
  let i = wordStart;
  while (i > 0 && wordStart - i < 64) {
    const c = text.charCodeAt(i - 1);
    if (!(isAlnumCode(c) || c === 95 || c === 46 || c === 45)) break;
    i--;
  }
  return i;
}

/**
 * Finds the value after a key word and reports it; returns where scanning may continue (after the value,
 * so `password=password=...` is read once, not once per key).
 */
function findValue(
  text: string,
  sink: SpanSink,
  wordStart: number,
  keyEnd: number,
  m: RegExpExecArray,
): number {
  let keyStart = keyBegin(text, wordStart);
  let dashes = 0;
  while (keyStart < wordStart && text.charCodeAt(keyStart) === 45) {
    keyStart++;
    dashes++;
  }
  let i = keyEnd;
  const quoteBefore = m[1];
  const op = m[2];
  if (op === undefined) {
    // `--password hunter2`: a command-line flag followed by its value.
    if (dashes !== 2) return keyEnd;
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
  } else {
    if (op === '>' && codeAt(text, keyStart - 1) !== 60) return keyEnd; // only <password>...</password>
    i += quoteBefore?.length ?? 0;
    const opAt = i;
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
    const spacedOp = i > opAt;
    i += op.length;
    const valueAt = i;
    while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    // logfmt `password= user=bob` is an empty password; `password = x` (ini) and `password: x` are not.
    if (i > valueAt && op !== ':' && !spacedOp) return valueAt;
  }
  const c = codeAt(text, i);
  const numericIsId = (text.charCodeAt(wordStart) | 32) === 115; // the key word is sess...
  let end: number;
  if (c === 92 && codeAt(text, i + 1) === 34) {
    // JSON inside a JSON string: {\"password\":\"hunter2\"}
    const close = text.indexOf('\\"', i + 2);
    end = close < 0 ? text.length : close;
    addValue(text, sink, i + 2, end, numericIsId);
  } else if (c === 34 || c === 39) {
    end = quotedEnd(text, i + 1, c);
    addValue(text, sink, i + 1, end, numericIsId);
  } else if (op === '>') {
    const close = text.indexOf('<', i);
    end = close < 0 ? text.length : close;
    addValue(text, sink, i, end, numericIsId);
  } else {
    end = i;
    while (end < text.length && !endsBareValue(text.charCodeAt(end))) end++;
    if (!startsStructure(text, end)) addValue(text, sink, i, end, numericIsId);
  }
  return Math.max(end, keyEnd);
}

export const secretKv: BuiltinRule = {
  name: 'secret_kv',
  category: 'secrets',
  description:
    'values of password=, secret=, token=, api_key=... pairs in logfmt, JSON, YAML, headers, XML and --flags',
  mayMatch: (text) => HINT.test(text),
  find: (text, sink) =>
    eachMatch(KEY_ASSIGN, text, (m) => {
      const end = m.index + m[0].length;
      return startsKeyPart(text, m.index) ? findValue(text, sink, m.index, end, m) : end;
    }),
};
