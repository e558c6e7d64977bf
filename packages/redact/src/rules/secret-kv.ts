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
  return isLower(prev) && isUpper(text.charCodeAt(start)); // camelCase: dbPassword, clientSecret
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

function addValue(text: string, sink: SpanSink, start: number, end: number): void {
  if (end <= start) return;
  const first = text.charCodeAt(start);
  // `secret: {` / `token: [` name an object, `Token::Parse` is a C++ scope: not values.
  if (first === 123 || first === 91 || first === 58) return;
  if (isPlaceholder(text.slice(start, end))) return;
  sink.add(start, end);
}

function findValue(text: string, sink: SpanSink, keyStart: number, keyEnd: number, m: RegExpExecArray): void {
  let i = keyEnd;
  const quoteBefore = m[1];
  const op = m[2];
  if (op === undefined) {
    // `--password hunter2`: a command-line flag followed by its value.
    if (codeAt(text, keyStart - 1) !== 45 || codeAt(text, keyStart - 2) !== 45) return;
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
  } else {
    if (op === '>' && codeAt(text, keyStart - 1) !== 60) return; // only <password>...</password>
    i += quoteBefore?.length ?? 0;
    while (i < text.length && text.charCodeAt(i) <= 32) i++;
    i += op.length;
    while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  }
  const c = codeAt(text, i);
  if (c === 92 && codeAt(text, i + 1) === 34) {
    // JSON inside a JSON string: {\"password\":\"hunter2\"}
    const close = text.indexOf('\\"', i + 2);
    addValue(text, sink, i + 2, close < 0 ? text.length : close);
  } else if (c === 34 || c === 39) {
    addValue(text, sink, i + 1, quotedEnd(text, i + 1, c));
  } else if (op === '>') {
    const close = text.indexOf('<', i);
    addValue(text, sink, i, close < 0 ? text.length : close);
  } else {
    let end = i;
    while (end < text.length && !endsBareValue(text.charCodeAt(end))) end++;
    addValue(text, sink, i, end);
  }
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
      if (startsKeyPart(text, m.index)) findValue(text, sink, m.index, end, m);
      return end;
    }),
};
