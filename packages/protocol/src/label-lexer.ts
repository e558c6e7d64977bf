/**
 * The lexer half of the label-string parser: Prometheus promql/parser lex.go rules for what can appear
 * inside and around `{...}` (identifiers, the three string forms with Go escapes, spaces, `#` comments),
 * with errors that carry the position of the offending token.
 */
import { LabelParseError } from './errors.js';

const utf8Lenient = new TextDecoder('utf-8');

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
export function isAlpha(c: number): boolean {
  return c === 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 16;
}
export function describe(c: number | undefined): string {
  if (c === undefined || Number.isNaN(c)) return 'end of input';
  return JSON.stringify(String.fromCharCode(c));
}

export class LabelLexer {
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
