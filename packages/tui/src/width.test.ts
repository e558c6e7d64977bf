import { describe, expect, it } from '@jest/globals';
import {
  clusters,
  codePointWidth,
  fitToWidth,
  sanitizeForDisplay,
  sliceColumns,
  stringWidth,
  truncateToWidth,
  wrapToWidth,
} from './width.js';

const cp = (s: string): number => s.codePointAt(0)!;

describe('codePointWidth', () => {
  it('measures ASCII, CJK, fullwidth, Hangul and emoji', () => {
    expect(codePointWidth(cp('a'))).toBe(1);
    expect(codePointWidth(cp('中'))).toBe(2);
    expect(codePointWidth(cp('Ａ'))).toBe(2);
    expect(codePointWidth(cp('한'))).toBe(2);
    expect(codePointWidth(cp('😀'))).toBe(2);
    expect(codePointWidth(cp('⌚'))).toBe(2);
    expect(codePointWidth(cp('𠀋'))).toBe(2);
  });
  it('gives combining marks, ZWJ and variation selectors zero width', () => {
    expect(codePointWidth(0x0301)).toBe(0);
    expect(codePointWidth(0x200d)).toBe(0);
    expect(codePointWidth(0xfe0f)).toBe(0);
    expect(codePointWidth(0x200b)).toBe(0);
  });
  it('keeps narrow symbols and Latin-1 narrow', () => {
    expect(codePointWidth(cp('é'))).toBe(1);
    expect(codePointWidth(cp('→'))).toBe(1);
    expect(codePointWidth(cp('☀'))).toBe(1);
    expect(codePointWidth(cp('〿'))).toBe(1);
  });
});

describe('stringWidth', () => {
  it('sums code point widths', () => {
    expect(stringWidth('hello')).toBe(5);
    expect(stringWidth('日本語')).toBe(6);
    expect(stringWidth('e\u0301')).toBe(1);
    expect(stringWidth('a😀b')).toBe(4);
    expect(stringWidth('')).toBe(0);
  });
});

describe('clusters', () => {
  it('attaches zero-width code points to their base', () => {
    expect(clusters('e\u0301x')).toEqual([
      { text: 'e\u0301', width: 1 },
      { text: 'x', width: 1 },
    ]);
    expect(clusters('\u0301')).toEqual([{ text: '\u0301', width: 1 }]);
  });
});

describe('truncateToWidth', () => {
  it('leaves text that fits unchanged', () => {
    expect(truncateToWidth('abc', 3)).toBe('abc');
    expect(truncateToWidth('日本', 4, '…')).toBe('日本');
  });
  it('never splits a wide character', () => {
    expect(truncateToWidth('日本語', 5)).toBe('日本');
    expect(stringWidth(truncateToWidth('日本語', 5, '…'))).toBeLessThanOrEqual(5);
    expect(truncateToWidth('日本語', 5, '…')).toBe('日本…');
    expect(truncateToWidth('日本語', 4, '…')).toBe('日…');
  });
  it('never splits a surrogate pair or separates a combining mark', () => {
    const t = truncateToWidth('a😀😀', 4);
    expect(t).toBe('a😀');
    expect(truncateToWidth('ae\u0301bc', 2)).toBe('ae\u0301');
    expect(truncateToWidth('abcdef', 4, '…')).toBe('abc…');
  });
  it('handles zero and tiny widths', () => {
    expect(truncateToWidth('abc', 0)).toBe('');
    expect(truncateToWidth('日本', 1)).toBe('');
    expect(truncateToWidth('abc', 1, '...')).toBe('a');
  });
});

describe('fitToWidth', () => {
  it('pads to an exact width', () => {
    expect(fitToWidth('ab', 4)).toBe('ab  ');
    expect(fitToWidth('日本語', 5)).toBe('日本 ');
    expect(stringWidth(fitToWidth('😀x😀', 4))).toBe(4);
  });
});

describe('sliceColumns', () => {
  it('slices ASCII by columns', () => {
    expect(sliceColumns('abcdef', 2, 3)).toBe('cde');
    expect(sliceColumns('abc', 0, 10)).toBe('abc');
  });
  it('replaces wide characters cut by an edge with spaces', () => {
    expect(sliceColumns('日本語', 1, 4)).toBe(' 本 ');
    expect(stringWidth(sliceColumns('日本語', 1, 4))).toBe(4);
    expect(sliceColumns('a日本', 1, 3)).toBe('日 ');
    expect(sliceColumns('日本語', 2, 2)).toBe('本');
  });
});

describe('sanitizeForDisplay', () => {
  it('makes escape sequences and control characters visible', () => {
    expect(sanitizeForDisplay('a\x1b[31mred')).toBe('a␛[31mred');
    expect(sanitizeForDisplay('one\ntwo\r')).toBe('one↵two␍');
    expect(sanitizeForDisplay('x\x7fy\x85')).toBe('x␡y\ufffd');
    expect(sanitizeForDisplay('bidi\u202eevil')).toBe('bidi\ufffdevil');
  });
  it('expands tabs to tab stops', () => {
    expect(sanitizeForDisplay('a\tb')).toBe('a       b');
    expect(sanitizeForDisplay('abcdefgh\tx')).toBe('abcdefgh        x');
  });
  it('keeps ordinary Unicode', () => {
    expect(sanitizeForDisplay('日本 é 😀')).toBe('日本 é 😀');
  });
});

describe('wrapToWidth', () => {
  it('wraps at spaces', () => {
    expect(wrapToWidth('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
  });
  it('breaks long words between characters, never inside one', () => {
    expect(wrapToWidth('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const rows = wrapToWidth('日本語日本語', 5);
    expect(rows).toEqual(['日本', '語日', '本語']);
    for (const r of rows) expect(stringWidth(r)).toBeLessThanOrEqual(5);
  });
  it('returns one empty row for empty text', () => {
    expect(wrapToWidth('', 10)).toEqual(['']);
  });
});
