import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { unescapeJsonString } from './json-string.js';

function reference(raw: string): string | undefined {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

describe('unescapeJsonString', () => {
  it.each([
    ['plain', 'plain'],
    ['say \\"hi\\"', 'say "hi"'],
    ['a\\\\b\\/c\\n\\t\\r\\b\\f', 'a\\b/c\n\t\r\b\f'],
    ['\\u00e9\\ud83d\\ude00\\ud800', 'é😀\ud800'],
  ])('%s', (raw, want) => {
    expect(unescapeJsonString(raw)).toBe(want);
  });

  it.each(['a"b', 'a\\', 'a\\x', '\\u12', '\\u12g4', 'tab\there', '\\"x"'])(
    'rejects %s as JSON.parse does',
    (raw) => {
      expect(unescapeJsonString(raw)).toBeUndefined();
      expect(reference(raw)).toBeUndefined();
    },
  );

  it('agrees with JSON.parse on random string bodies', () => {
    const piece = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('a', 'Z', ' ', 'é', '😀', '\ud800', '0', 'f', 'u') },
      {
        weight: 3,
        arbitrary: fc.constantFrom('\\"', '\\\\', '\\/', '\\n', '\\t', '\\u00e9', '\\uD83D', '\\b'),
      },
      fc.constantFrom('\\', '"', '\\x', '\\u12', '\n', '\x01', '\\u'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const raw = parts.join('');
        expect(unescapeJsonString(raw)).toBe(reference(raw));
      }),
      { numRuns: 5000 },
    );
  });
});
