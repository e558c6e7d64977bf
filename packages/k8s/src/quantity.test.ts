import { describe, expect, test } from '@jest/globals';
import { doubleQuantity, formatQuantity, parseQuantity } from './quantity.js';

describe('quantities', () => {
  test.each([
    ['16Mi', 16n * 1024n * 1024n * 1000n],
    ['25m', 25n],
    ['0.5', 500n],
    ['1.5Gi', 3n * (1n << 29n) * 1000n],
    ['128M', 128_000_000_000n],
    ['1e3', 1_000_000n],
    ['2k', 2_000_000n],
    ['.1', 100n],
  ])('parses %s exactly', (text, milli) => {
    expect(parseQuantity(text).milli).toBe(milli);
  });

  test('rejects what is not a quantity, naming the option', () => {
    expect(() => parseQuantity('16MB', '--sidecar-memory')).toThrow(/invalid --sidecar-memory "16MB"/);
    expect(() => parseQuantity('')).toThrow();
  });

  test.each([
    ['16Mi', '32Mi'],
    ['25m', '50m'],
    ['0.5', '1'],
    ['0.25', '0.5'],
    ['1.5Gi', '3Gi'],
    ['100M', '200M'],
  ])('doubles %s as %s (limits are 2x requests)', (a, b) => {
    expect(doubleQuantity(a)).toBe(b);
  });

  test('formats totals for humans', () => {
    expect(formatQuantity(parseQuantity('48Mi'), 'memory')).toBe('48Mi');
    expect(formatQuantity(parseQuantity('75m'), 'cpu')).toBe('75m');
    expect(formatQuantity(parseQuantity('2'), 'cpu')).toBe('2');
  });
});
