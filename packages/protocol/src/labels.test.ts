import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DuplicateLabelError, LabelParseError, LabelsTooLargeError } from './errors.js';
import { formatLabels, quoteGo } from './label-format.js';
import { MAX_LABELS_BYTES, parseLabelSet, parseLabels } from './labels.js';

const plain = (o: Record<string, string>) => ({ ...o });

function parseError(input: string): LabelParseError {
  try {
    parseLabels(input);
  } catch (err) {
    expect(err).toBeInstanceOf(LabelParseError);
    return err as LabelParseError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to fail`);
}

describe('parseLabels: Prometheus grammar', () => {
  it.each([
    ['{foo="bar"}', { foo: 'bar' }],
    ['{a="1", b="2"}', { a: '1', b: '2' }],
    ['{b="2",a="1"}', { a: '1', b: '2' }],
    ['{a="1",}', { a: '1' }],
    ['  {  a  =  "1"  ,  b = "2" , }  ', { a: '1', b: '2' }],
    ['{}', {}],
    ['', {}],
    ['   ', {}],
    ["{a='single'}", { a: 'single' }],
    ['{a=`raw \\n "x"`}', { a: 'raw \\n "x"' }],
    ['{a=`multi\nline`}', { a: 'multi\nline' }],
    ['{"k8s.pod"="x"}', { 'k8s.pod': 'x' }],
    ["{'quoted name'='v'}", { 'quoted name': 'v' }],
    ['{"héllo"="wörld"}', { héllo: 'wörld' }],
    ['foo{a="b"}', { __name__: 'foo', a: 'b' }],
    ['foo', { __name__: 'foo' }],
    ['ns:metric_total{a="b"}', { __name__: 'ns:metric_total', a: 'b' }],
    ['{"metric", a="b"}', { __name__: 'metric', a: 'b' }],
    ['{a="", b="x"}', { b: 'x' }],
    ['{_x1="v", X_9="w"}', { X_9: 'w', _x1: 'v' }],
    ['{a="1" # comment\n, b="2"}', { a: '1', b: '2' }],
    ['# leading comment\n{a="1"}', { a: '1' }],
    ['{a="b#c"}', { a: 'b#c' }],
  ])('%j', (input, expected) => {
    expect(plain(parseLabels(input))).toEqual(expected);
  });

  it('decodes Go escapes', () => {
    expect(parseLabels('{a="\\a\\b\\f\\n\\r\\t\\v\\\\\\""}').a).toBe('\x07\b\f\n\r\t\v\\"');
    expect(parseLabels("{a='it\\'s'}").a).toBe("it's");
    expect(parseLabels('{a="\\101\\x42\\u00e9\\U0001F600"}').a).toBe('ABé😀');
    // \x and octal escapes are bytes: two of them can spell one UTF-8 character.
    expect(parseLabels('{a="\\xc3\\xa9\\303\\251"}').a).toBe('éé');
  });

  it('returns a null-prototype object with sorted keys', () => {
    const labels = parseLabels('{z="1", __proto__="x", a="2", constructor="c"}');
    expect(Object.getPrototypeOf(labels)).toBeNull();
    expect(Object.keys(labels)).toEqual(['__proto__', 'a', 'constructor', 'z']);
    expect(Object.entries(labels)[0]).toEqual(['__proto__', 'x']);
  });

  it.each([
    ['{ab"', 4, 'unterminated quoted string'],
    ['{a="b', 4, 'unterminated quoted string'],
    ['{a="b\nc"}', 4, 'unterminated quoted string'],
    ['{a=`b}', 4, 'unterminated raw string'],
    ['{a="b"', 7, 'unexpected end of input inside braces'],
    ['{a=b}', 4, 'unexpected identifier in label set, expected string'],
    ['{a!="b"}', 3, 'only "="'],
    ['{a=~"b"}', 3, 'only "="'],
    ['{a="1" b="2"}', 8, 'expected "," or "}"'],
    ['{,}', 2, 'unexpected "," in label set'],
    ['{a="1",,}', 8, 'unexpected "," in label set'],
    ['{1a="x"}', 2, 'unexpected character inside braces: "1"'],
    ['{a.b="x"}', 3, 'unexpected character inside braces: "."'],
    ['{{}', 2, 'unexpected left brace'],
    ['{a="\\q"}', 5, 'unknown escape sequence'],
    ['{a="\\\'"}', 5, 'unknown escape sequence'],
    ["{a='\\\"'}", 5, 'unknown escape sequence'],
    ['{a="\\400"}', 5, 'invalid Unicode code point'],
    ['{a="\\ud800"}', 5, 'invalid Unicode code point'],
    ['{a="\\U00110000"}', 5, 'invalid Unicode code point'],
    ['{a="\\xZZ"}', 5, 'illegal character'],
    ['{a="1"} x', 9, 'after the label set'],
    ['{a="1"}}', 8, 'after the label set'],
    ['"x"', 1, 'expected "{"'],
    ['{=""}', 2, 'unexpected "="'],
    ['{""="x"}', 2, 'label name must not be empty'],
    ['{a="x\ud800"}', 6, 'invalid UTF-8 rune'],
  ])('%j fails at column %i: %s', (input, column, reason) => {
    const err = parseError(input);
    expect(err.code).toBe('PROTOCOL_INVALID_LABELS');
    expect(err.httpStatus).toBe(400);
    expect(err.column).toBe(column);
    expect(err.offset).toBe(column - 1);
    expect(err.line).toBe(1);
    expect(err.reason).toContain(reason);
    expect(err.message).toContain(`'${input}'`);
  });

  it('reports line and column on multi-line input', () => {
    const err = parseError('{a="1",\n  b=c}');
    expect([err.line, err.column, err.offset]).toEqual([2, 5, 12]);
  });

  it("matches Loki's message for a mangled label string", () => {
    expect(parseError('{ab"').message).toBe(
      `couldn't parse labels: error parsing labels '{ab"' with error: 1:4: parse error: unterminated quoted string`,
    );
  });

  it('reports duplicates (after dropping empty values)', () => {
    expect(() => parseLabels('{a="1", a="2"}')).toThrow(DuplicateLabelError);
    expect(() => parseLabels('{a="1", a="2"}')).toThrow(
      'stream \'{a="1", a="2"}\' has duplicate label name: \'a\'',
    );
    expect(plain(parseLabels('{a="", a="2"}'))).toEqual({ a: '2' });
    expect(parseLabelSet('{b="1", a="x", b="2"}').duplicate).toBe('b');
  });

  it('refuses label strings over 16 MiB before parsing', () => {
    const huge = `{a="${'x'.repeat(MAX_LABELS_BYTES)}"}`;
    expect(() => parseLabels(huge)).toThrow(LabelsTooLargeError);
    try {
      parseLabels(huge);
    } catch (err) {
      expect((err as LabelsTooLargeError).httpStatus).toBe(413);
    }
  });

  it('parses a large label string in linear time', () => {
    const many = `{${Array.from({ length: 20_000 }, (_, k) => `l${k}="v${k}"`).join(', ')}}`;
    const t0 = performance.now();
    expect(Object.keys(parseLabels(many))).toHaveLength(20_000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('formatLabels', () => {
  it('writes the canonical Loki form', () => {
    expect(formatLabels(parseLabels('{buzz="f", service_name="foo", a="b"}'))).toBe(
      '{a="b", buzz="f", service_name="foo"}',
    );
    expect(formatLabels({})).toBe('{}');
    expect(formatLabels({ 'k8s.pod': 'x', a: 'say "hi"\n' })).toBe('{a="say \\"hi\\"\\n", "k8s.pod"="x"}');
  });

  it('quotes like Go strconv.Quote', () => {
    expect(quoteGo('plain')).toBe('"plain"');
    expect(quoteGo('tab\there')).toBe('"tab\\there"');
    expect(quoteGo('\x00\x7f')).toBe('"\\x00\\x7f"');
    expect(quoteGo('é😀')).toBe('"é😀"');
    expect(quoteGo('\u0085')).toBe('"\\u0085"');
  });

  it('round-trips any label set through parseLabels (property)', () => {
    const name = fc.oneof(
      fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/),
      fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }),
    );
    const value = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 8 }), (dict) => {
        const labels: Record<string, string> = Object.create(null);
        for (const [k, v] of Object.entries(dict)) labels[k] = v;
        const back = parseLabels(formatLabels(labels));
        expect(plain(back)).toEqual(plain(labels));
      }),
      { numRuns: 500 },
    );
  });
});
