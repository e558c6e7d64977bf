import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { InvalidRegexError } from './errors.js';
import { parseMessagePattern } from './regex.js';
import { translateRe2 } from './regex-translate.js';

/** re2js, the reference every translated pattern must agree with. */
function re2(pattern: string, ignoreCase = false): RE2JS {
  return RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
}

describe('translateRe2', () => {
  it.each([
    ['\\d+\\.\\d+', '[\\u0030-\\u0039]+\\u002e[\\u0030-\\u0039]+', false],
    ['(error|fail)\\w*', '(?:error|fail)[\\u0030-\\u0039\\u0041-\\u005a\\u005f\\u0061-\\u007a]*', false],
    ['^\\d{4}$', '^[\\u0030-\\u0039]{4}$', false],
    ['\\Aa\\z', '^a$', false],
    ['a.b', 'a[\\u0000-\\u0009\\u000b-\\ud7ff\\ue000-\\uffff]b', true],
    ['(?s:.)', '[\\u0000-\\ud7ff\\ue000-\\uffff]', true],
    ['a{2,}?', 'a{2,}?', false],
    ['(?U)a+b+?', 'a+?b+', false],
    ['(?P<n>x)|(?<m>y)|()', 'x|y|(?:)', false],
    ['\\Qa.b\\E+', 'a\\u002eb+', false], // the quantifier takes the last character, as in RE2
    ['[]a]', '[\\u005d\\u0061]', false],
    ['x{,3}', 'x\\u007b\\u002c3\\u007d', false],
    ['\\x41\\x{263a}', 'A\\u263a', false],
  ])('%s -> %s', (pattern, source, sensitive) => {
    expect(translateRe2(pattern, false)).toEqual({ source, surrogateSensitive: sensitive });
  });

  it('spells case-insensitivity out with RE2 simple folding (k: Kelvin sign, s: long s)', () => {
    expect(translateRe2('ks1', true)).toEqual({
      source: '[\\u004b\\u006b\\u212a][\\u0053\\u0073\\u017f]1',
      surrogateSensitive: false,
    });
    expect(translateRe2('a(?-i:b)', true)?.source).toBe('[\\u0041\\u0061]b');
    expect(translateRe2('a(?i)b|c', false)?.source).toBe('a[\\u0042\\u0062]|[\\u0043\\u0063]');
  });

  it.each([
    ['(?m)^a', 'multi-line anchor'],
    ['\\pL', 'Unicode class'],
    ['\\p{Greek}', 'Unicode class'],
    ['\\101', 'octal escape'],
    ['(?i)é', 'non-ASCII folding'],
    ['(?i)[à-ÿ]', 'non-ASCII folding'],
    ['\\C', 'any byte'],
  ])('gives up on %s (%s)', (pattern) => {
    expect(translateRe2(pattern, false)).toBeUndefined();
  });

  it('marks a nullable pattern with a word boundary as surrogate-sensitive', () => {
    expect(translateRe2('\\B', false)?.surrogateSensitive).toBe(true);
    expect(translateRe2('\\bfoo\\b', false)?.surrogateSensitive).toBe(false);
  });
});

describe('parseMessagePattern on V8', () => {
  it('uses V8 for translatable patterns and re2js for the rest', () => {
    expect(parseMessagePattern('\\d+\\.\\d+').engine).toBe('v8');
    expect(parseMessagePattern('(?i)err(or)?').engine).toBe('v8');
    expect(parseMessagePattern('\\p{Greek}+').engine).toBe('re2js');
    // V8's linear engine cannot bound this one (a counted repeat inside a loop): re2js.
    expect(parseMessagePattern('(a{1,20})+$').engine).toBe('re2js');
    expect(parseMessagePattern('error').engine).toBe('literal');
  });

  it('keeps RE2 meanings where JavaScript differs', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a.b', 'a\rb', true], // JS `.` excludes \r and U+2028; RE2 only \n
      ['a.b', 'a\u2028b', true],
      ['a.b', 'a\nb', false],
      ['^a\\s', 'a\u000b', false], // RE2 \s has no \v
      ['^a\\s', 'a\u00a0', false],
      ['a$', 'a\n', false], // $ is \z
      ['(?i)k', '\u212a', true],
      ['(?i)S', '\u017f', true],
      ['x.y', 'x\u{1f600}y', true], // one rune
      ['^..$', '\u{1f600}', false],
      ['^.$', '\u{1f600}', true],
      ['[^a]', '\ud800', true], // a lone surrogate is a rune
      ['\\bé', ' é', false], // \b is ASCII
    ];
    for (const [p, s, want] of cases) {
      expect([p, s, parseMessagePattern(p).test(s)]).toEqual([p, s, want]);
      expect([p, s, re2(p).test(s)]).toEqual([p, s, want]);
    }
  });

  it('finishes evil patterns on long inputs in linear time', () => {
    const long = `${'a'.repeat(200_000)}!`;
    for (const p of ['(a+)+$', '(a|aa)+$', '(a*)*b', '^(?:a|a)*$', '(x+x+)+y', '^(a|a?)+$', '(\\w+\\s?)+$']) {
      const m = parseMessagePattern(p);
      const t = performance.now();
      expect([p, m.test(long)]).toEqual([p, false]);
      // Exponential backtracking would take ages; the linear fallback takes milliseconds per line.
      expect([p, performance.now() - t < 3000]).toEqual([p, true]);
    }
    // Many lines, each just past the backtracking budget: bounded per line.
    const m = parseMessagePattern('(a+)+$');
    const line = `${'a'.repeat(40)}!`;
    const t = performance.now();
    for (let i = 0; i < 2000; i++) m.test(line);
    expect(performance.now() - t).toBeLessThan(5000);
  });

  /** Patterns from a grammar of RE2 syntax whose translation V8 runs (and some it does not). */
  const atom: fc.Arbitrary<string> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('a', 'b', 'A', 'k', 'K', 's', 'ſ', 'K', '0', '_', ' ', '-', 'é'),
    },
    { weight: 4, arbitrary: fc.constantFrom('.', '\\d', '\\w', '\\s', '\\D', '\\W', '\\S', '\\.', '\\n') },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '[ab]',
        '[^a0]',
        '[a-c]',
        '[[:alpha:]]',
        '[^\\w]',
        '[k-s]',
        '[\\d_]',
        '[[:^alpha:]]',
        '[^\\n]',
        '[\\x41-\\x{17f}]',
        '[^\\D]',
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '^',
        '$',
        '\\b',
        '\\B',
        '\\A',
        '\\z',
        '\\x{1f600}',
        '😀',
        '\\Qa.\\E',
        '\\x41',
        '\\t',
        '{',
        'a{,2}',
      ),
    },
  );
  const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string; seq: string; item: string }>((tie) => ({
    re: fc.oneof(
      { weight: 4, arbitrary: tie('seq') },
      fc.tuple(tie('seq'), tie('seq')).map(([a, b]) => `${a}|${b}`),
    ),
    seq: fc.array(tie('item'), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('')),
    item: fc.oneof(
      { weight: 5, arbitrary: atom },
      {
        weight: 3,
        arbitrary: fc
          .tuple(atom, fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '*?', '+?', '{0,2}?'))
          .map(([a, q]) => `${a}${q}`),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.constantFrom('(', '(?:', '(?i:', '(?s:', '(?-i:', '(?U:', '(?P<g>', '(?i)('),
            tie('re'),
            fc.constantFrom('', '*', '+', '?', '{2}'),
          )
          .map(([o, r, q]) => `${o}${r})${q}`),
      },
    ),
  })).re;
  const subject = fc
    .array(
      fc.constantFrom(
        'a',
        'b',
        'A',
        'k',
        'K',
        's',
        'S',
        'ſ',
        'K',
        '0',
        '9',
        '_',
        ' ',
        '-',
        '.',
        '\n',
        '\r',
        'é',
        '😀',
        '\ud83d',
        '\ude00',
        'x',
      ),
      { maxLength: 12 },
    )
    .map((xs) => xs.join(''));

  it('agrees with re2js on random patterns and subjects', () => {
    let v8 = 0;
    fc.assert(
      fc.property(
        pattern,
        fc.boolean(),
        fc.array(subject, { minLength: 1, maxLength: 8 }),
        (p, ci, subjects) => {
          let ref: RE2JS;
          try {
            ref = re2(p, ci);
          } catch {
            // Invalid RE2 (a repeated group name, `^*`...): rejected alike.
            expect(() => parseMessagePattern(p, { ignoreCase: ci })).toThrow(InvalidRegexError);
            return;
          }
          const m = parseMessagePattern(p, { ignoreCase: ci });
          if (m.engine === 'v8') v8++;
          for (const s of subjects) expect([p, ci, s, m.test(s)]).toEqual([p, ci, s, ref.test(s)]);
        },
      ),
      { numRuns: 3000 },
    );
    // Most generated patterns must really run on V8 (else the property checks little).
    expect(v8).toBeGreaterThan(1500);
  });
});
