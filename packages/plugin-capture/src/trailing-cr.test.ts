import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compileMessageMatcher } from './regex.js';
import { trailingCrIrrelevant } from './trailing-cr.js';

const IRRELEVANT = [
  'error',
  'ERROR|timeout',
  '\\d+\\.\\d+\\.\\d+\\.\\d+',
  '(?i)connection reset',
  'status=5\\d\\d\\b',
  '\\bword\\B',
  '^start',
  '[a-z]+[0-9]{2,3}',
  '[]a]x',
  '(?:a|b)(?P<n>c)(?i:d)',
  '\\S+ \\w+',
  '\\[req-\\w+\\]',
  'café|日本',
];

const RELEVANT = [
  'end$',
  'a.',
  '\\s',
  '\\W',
  '\\D',
  '[^a]',
  '\\r',
  '\\x0d',
  '\\x{0d}',
  '\\pL',
  '[[:space:]]',
  '\\Qa.b\\E',
  '(?s)a',
  '(?m)a',
  'a\\z',
  '[a-',
  '\\',
];

describe('trailingCrIrrelevant', () => {
  it.each(IRRELEVANT)('holds for %s', (p) => {
    expect(trailingCrIrrelevant(compileMessageMatcher(p))).toBe(true);
  });

  it.each(RELEVANT)('does not hold for %s', (p) => {
    expect(trailingCrIrrelevant({ source: p, literal: undefined })).toBe(false);
  });

  it('judges literals (-F) by whether they hold a CR', () => {
    expect(trailingCrIrrelevant(compileMessageMatcher('a.b$', { fixed: true }))).toBe(true);
    expect(trailingCrIrrelevant(compileMessageMatcher('a\r', { fixed: true }))).toBe(false);
  });

  it('gives patterns it accepts the same answer on s and s + CR', () => {
    const matchers = IRRELEVANT.map((p) => compileMessageMatcher(p));
    const alphabet = fc.constantFrom(
      ...'aeiorstxyz ERROR timeout 0123456789.=[]-_\r\n\tcafé日本'.split(''),
      'connection reset',
      'status=500',
      'req-ab1',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        for (const m of matchers) expect([m.source, s, m.test(s)]).toEqual([m.source, s, m.test(`${s}\r`)]);
      }),
      { numRuns: 2000 },
    );
  });
});
