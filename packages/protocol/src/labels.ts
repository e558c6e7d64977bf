/**
 * Label strings (`{app="api", level="info"}`) parsed by the grammar Loki uses: Prometheus `ParseMetric`
 * (promql/parser lex.go + generated_parser.y, Prometheus 3) followed by dropping empty values. Supported:
 * an optional metric name before the braces (`foo{a="b"}` → `__name__="foo"`), `"`, `'` and backtick
 * strings, Go escapes (`\a \b \f \n \r \t \v \\ \" \'`, `\NNN`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`), quoted
 * UTF-8 label names (`{"k8s.pod"="x"}`), a bare string item as the metric name, a trailing comma, free
 * whitespace and `#` line comments.
 */
import { DuplicateLabelError, LabelParseError, LabelsTooLargeError } from './errors.js';

/** Loki refuses label strings over 16 MiB before parsing them (its guard against a parser panic). */
export const MAX_LABELS_BYTES = 16 * 1024 * 1024;

const utf8Lenient = new TextDecoder('utf-8');

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
function isAlpha(c: number): boolean {
  return c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}
function describe(c: number | undefined): string {
  if (c === undefined || Number.isNaN(c)) return 'end of input';
  return JSON.stringify(String.fromCharCode(c));
}

/** Label pairs in input order, before sorting and dropping empties. */
type Pairs = Array<[string, string]>;

class LabelLexer {
  i = 0;
  constructor(readonly s: string) {}

  fail(at: number, reason: string): never {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < at && k < this.s.length; k++) {
      if (this.s.charCodeAt(k) === 0x0a) {
        line++;
        lineStart = k + 1;
      }
    }
    throw new LabelParseError(this.s, at, line, at - lineStart + 1, reason);
  }

  /**
   * Reports an unexpected token inside braces the way Prometheus does: the lexer runs ahead of the parser,
   * so a bad string or character is reported as such before the grammar complains about its position.
   */
  unexpected(expected: string): never {
    const at = this.i;
    const c = this.s.charCodeAt(at);
    if (at >= this.s.length) this.fail(at, 'unexpected end of input inside braces');
    if (c === 0x22 || c === 0x27 || c === 0x60) {
      this.string();
      this.fail(at, `unexpected string in label set, expected ${expected}`);
    }
    if (c === 0x7b) this.fail(at, 'unexpected left brace "{"');
    const known =
      isAlpha(c) || isSpace(c) || c === 0x2c || c === 0x3d || c === 0x21 || c === 0x7d || c === 0x23;
    if (!known) this.fail(at, `unexpected character inside braces: ${describe(c)}`);
    if (c === 0x21 && this.s.charCodeAt(at + 1) !== 0x3d && this.s.charCodeAt(at + 1) !== 0x7e) {
      this.fail(at, `unexpected character after '!' inside braces: ${describe(this.s.charCodeAt(at + 1))}`);
    }
    const what = isAlpha(c) ? 'identifier' : describe(c);
    this.fail(at, `unexpected ${what} in label set, expected ${expected}`);
  }

  /** Skips spaces and `#` comments (a comment runs to the end of the line, as in the Prometheus lexer). */
  skip(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (isSpace(c)) this.i++;
      else if (c === 0x23) {
        while (this.i < s.length && s.charCodeAt(this.i) !== 0x0a && s.charCodeAt(this.i) !== 0x0d) this.i++;
      } else return;
    }
  }

  /** Unquoted identifier inside braces: `[a-zA-Z_][a-zA-Z0-9_]*`. */
  ident(): string {
    const s = this.s;
    const start = this.i;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (isAlpha(c) || isDigit(c)) this.i++;
      else break;
    }
    return s.slice(start, this.i);
  }

  /** A quoted string starting at the current position (a quote character). Returns the unquoted value. */
  string(): string {
    const s = this.s;
    const start = this.i;
    const quote = s.charCodeAt(this.i++);
    if (quote === 0x60) {
      // Raw string: everything up to the next backtick, newlines included, no escapes.
      const end = s.indexOf('`', this.i);
      if (end < 0) this.fail(start, 'unterminated raw string');
      this.checkSurrogates(this.i, end);
      this.i = end + 1;
      return s.slice(start + 1, end);
    }
    const bodyStart = this.i;
    let escaped = false;
    for (;;) {
      if (this.i >= s.length) this.fail(start, 'unterminated quoted string');
      const c = s.charCodeAt(this.i);
      if (c === quote) break;
      if (c === 0x0a) this.fail(start, 'unterminated quoted string');
      if (c === 0x5c) {
        escaped = true;
        this.i += 2; // validated by unescape() below
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        this.checkSurrogates(this.i, this.i + 2);
        this.i += 2;
        continue;
      }
      this.i++;
    }
    const bodyEnd = this.i;
    this.i++;
    return escaped ? this.unescape(bodyStart, bodyEnd, quote) : s.slice(bodyStart, bodyEnd);
  }

  /** Lone surrogates are what invalid UTF-8 looks like in a JS string: Prometheus says "invalid UTF-8 rune". */
  private checkSurrogates(from: number, to: number): void {
    const s = this.s;
    for (let k = from; k < to && k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c < 0xd800 || c > 0xdfff) continue;
      const next = s.charCodeAt(k + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        k++;
        continue;
      }
      this.fail(k, 'invalid UTF-8 rune');
    }
  }

  /** Decodes Go escapes. `\x` and octal escapes are bytes, so the value is assembled as UTF-8. */
  private unescape(from: number, to: number, quote: number): string {
    const s = this.s;
    const out: number[] = [];
    const pushCodePoint = (cp: number) => {
      if (cp < 0x80) out.push(cp);
      else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
      else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
      else
        out.push(
          0xf0 | (cp >> 18),
          0x80 | ((cp >> 12) & 0x3f),
          0x80 | ((cp >> 6) & 0x3f),
          0x80 | (cp & 0x3f),
        );
    };
    let k = from;
    while (k < to) {
      const c = s.charCodeAt(k);
      if (c !== 0x5c) {
        const cp = s.codePointAt(k)!;
        pushCodePoint(cp);
        k += cp > 0xffff ? 2 : 1;
        continue;
      }
      const escAt = k;
      const e = s.charCodeAt(k + 1);
      k += 2;
      switch (e) {
        case 0x61:
          out.push(0x07);
          continue; // \a
        case 0x62:
          out.push(0x08);
          continue; // \b
        case 0x66:
          out.push(0x0c);
          continue; // \f
        case 0x6e:
          out.push(0x0a);
          continue; // \n
        case 0x72:
          out.push(0x0d);
          continue; // \r
        case 0x74:
          out.push(0x09);
          continue; // \t
        case 0x76:
          out.push(0x0b);
          continue; // \v
        case 0x5c:
          out.push(0x5c);
          continue; // \\
      }
      if (e === quote) {
        out.push(quote);
        continue;
      }
      let n: number;
      let base: number;
      let max: number;
      let first = k;
      if (e >= 0x30 && e <= 0x37) {
        n = 3;
        base = 8;
        max = 255;
        first = k - 1;
      } else if (e === 0x78) {
        n = 2;
        base = 16;
        max = 255;
      } else if (e === 0x75) {
        n = 4;
        base = 16;
        max = 0x10ffff;
      } else if (e === 0x55) {
        n = 8;
        base = 16;
        max = 0x10ffff;
      } else if (Number.isNaN(e) || k - 1 >= to) {
        this.fail(escAt, 'escape sequence not terminated');
      } else {
        this.fail(
          escAt,
          `unknown escape sequence U+${e.toString(16).toUpperCase().padStart(4, '0')} ${describe(e)}`,
        );
      }
      let x = 0;
      for (let d = 0; d < n; d++) {
        const ch = first + d < to ? s.charCodeAt(first + d) : Number.NaN;
        const v = hexVal(ch);
        if (v >= base) {
          if (Number.isNaN(ch)) this.fail(escAt, 'escape sequence not terminated');
          this.fail(escAt, `illegal character ${describe(ch)} in escape sequence`);
        }
        x = x * base + v;
      }
      if (x > max || (x >= 0xd800 && x < 0xe000 && base === 16 && n >= 4)) {
        this.fail(escAt, 'escape sequence is an invalid Unicode code point');
      }
      k = first + n;
      if (n >= 4) pushCodePoint(x);
      else out.push(x); // \x and octal escapes are raw bytes
    }
    return utf8Lenient.decode(Uint8Array.from(out));
  }
}

/** Parses a label string into pairs in input order (no sorting, no dropping). */
function parsePairs(input: string): Pairs {
  const lx: LabelLexer = new LabelLexer(input);
  const s = input;
  const pairs: Pairs = [];
  lx.skip();
  if (lx.i >= s.length) return pairs;
  let c = s.charCodeAt(lx.i);
  // Optional metric name: [a-zA-Z_:][a-zA-Z0-9_:]* before the braces.
  if (isAlpha(c) || c === 0x3a) {
    const start = lx.i;
    while (lx.i < s.length) {
      const d = s.charCodeAt(lx.i);
      if (isAlpha(d) || isDigit(d) || d === 0x3a) lx.i++;
      else break;
    }
    pairs.push(['__name__', s.slice(start, lx.i)]);
    lx.skip();
    if (lx.i >= s.length) return pairs;
    c = s.charCodeAt(lx.i);
  }
  if (c !== 0x7b) lx.fail(lx.i, `unexpected character ${describe(c)}, expected "{"`);
  lx.i++;
  lx.skip();
  if (s.charCodeAt(lx.i) === 0x7d) {
    lx.i++;
  } else {
    for (;;) {
      // item := IDENT '=' STRING | STRING '=' STRING | STRING
      lx.skip();
      const itemAt = lx.i;
      c = s.charCodeAt(lx.i);
      let name: string;
      let quotedName = false;
      if (isAlpha(c)) name = lx.ident();
      else if (c === 0x22 || c === 0x27 || c === 0x60) {
        name = lx.string();
        quotedName = true;
      } else lx.unexpected('a label name or "}"');
      lx.skip();
      c = s.charCodeAt(lx.i);
      if (c === 0x3d && s.charCodeAt(lx.i + 1) !== 0x7e) {
        lx.i++;
        lx.skip();
        const v = s.charCodeAt(lx.i);
        if (v !== 0x22 && v !== 0x27 && v !== 0x60) {
          lx.unexpected('string');
        }
        if (name.length === 0) lx.fail(itemAt, 'label name must not be empty');
        pairs.push([name, lx.string()]);
      } else if (quotedName && (c === 0x2c || c === 0x7d)) {
        // A bare quoted string is the metric name (Prometheus 3 `{"metric", a="b"}`).
        pairs.push(['__name__', name]);
      } else if (
        (c === 0x21 && (s.charCodeAt(lx.i + 1) === 0x3d || s.charCodeAt(lx.i + 1) === 0x7e)) ||
        c === 0x3d
      ) {
        lx.fail(lx.i, 'only "=" is allowed in a label set (no "!=", "=~" or "!~")');
      } else {
        lx.unexpected('"="');
      }
      lx.skip();
      c = s.charCodeAt(lx.i);
      if (c === 0x2c) {
        lx.i++;
        lx.skip();
        if (s.charCodeAt(lx.i) === 0x7d) {
          lx.i++;
          break;
        }
        continue;
      }
      if (c === 0x7d) {
        lx.i++;
        break;
      }
      lx.unexpected('"," or "}"');
    }
  }
  lx.skip();
  if (lx.i < s.length) lx.fail(lx.i, `unexpected ${describe(s.charCodeAt(lx.i))} after the label set`);
  return pairs;
}

/** Result of {@link parseLabelSet}: the labels plus the first duplicated name, if any. */
export interface ParsedLabelSet {
  /** Sorted, empty values dropped, null prototype. With a duplicate, the last value wins. */
  labels: Record<string, string>;
  /** A label name given twice (after dropping empty values), or undefined. */
  duplicate: string | undefined;
}

/** Sorts pairs by name, drops empty values and builds a null-prototype record. */
export function labelsFromPairs(pairs: Array<[string, string]>): ParsedLabelSet {
  let duplicate: string | undefined;
  const kept = pairs.filter((p) => p[1] !== '');
  if (kept.length > 1) kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const labels: Record<string, string> = Object.create(null);
  for (let k = 0; k < kept.length; k++) {
    const [name, value] = kept[k]!;
    if (duplicate === undefined && k > 0 && kept[k - 1]![0] === name) duplicate = name;
    labels[name] = value;
  }
  return { labels, duplicate };
}

/**
 * Parses a label string and reports duplicates instead of throwing on them (the decoders turn a duplicate
 * into a per-stream rejection, as Loki's distributor does). Throws {@link LabelParseError} on bad syntax.
 */
export function parseLabelSet(input: string): ParsedLabelSet {
  if (input.length > MAX_LABELS_BYTES) throw new LabelsTooLargeError(input.length, MAX_LABELS_BYTES);
  return labelsFromPairs(parsePairs(input));
}

/**
 * Parses a Prometheus/Loki label string such as `{app="api", level="info"}` into a sorted, null-prototype
 * record; labels with empty values are dropped (Loki's behaviour).
 *
 * @throws {LabelParseError} bad syntax, with `offset`, `line` and `column` of the problem.
 * @throws {DuplicateLabelError} the same label name twice.
 * @throws {LabelsTooLargeError} over 16 MiB.
 * @example parseLabels('{b="2", a="1",}') // { a: '1', b: '2' }
 */
export function parseLabels(input: string): Record<string, string> {
  const { labels, duplicate } = parseLabelSet(input);
  if (duplicate !== undefined) throw new DuplicateLabelError(input, duplicate);
  return labels;
}

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Go strconv.Quote for the characters that matter: `\`, `"`, and non-printable characters. */
export function quoteGo(s: string): string {
  // Fast path: printable ASCII without quote or backslash is the common case.
  let plain = true;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || c === 0x2028 || c === 0x2029 || c === 0xfeff)
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Canonical label string, as Loki stores and returns it: names sorted, `{a="1", b="2"}`, values quoted
 * like Go's strconv.Quote; names that are not `[a-zA-Z_][a-zA-Z0-9_]*` are quoted (Prometheus 3 syntax).
 * `parseLabels(formatLabels(x))` gives back `x` (minus empty values).
 */
export function formatLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  let sorted = true;
  for (let k = 1; k < names.length; k++) {
    if (names[k - 1]! > names[k]!) {
      sorted = false;
      break;
    }
  }
  if (!sorted) names.sort();
  let out = '{';
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (k > 0) out += ', ';
    out += IDENT.test(name) ? name : quoteGo(name);
    out += '=';
    out += quoteGo(labels[name]!);
  }
  return `${out}}`;
}
