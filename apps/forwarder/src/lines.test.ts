import { describe, expect, test } from '@jest/globals';
import { LineSplitter } from './lines.js';

function split(chunks: Buffer[], max = 1024, end = true): Array<[string, boolean]> {
  const out: Array<[string, boolean]> = [];
  const s = new LineSplitter(max, (line, truncated) => out.push([line, truncated]));
  for (const c of chunks) s.push(c);
  if (end) s.end();
  return out;
}

describe('LineSplitter', () => {
  test('lines split across chunks, including inside a multi-byte character', () => {
    const text = Buffer.from('héllo wörld\nsecond ✓ line\nthird\n');
    for (let cut = 0; cut <= text.length; cut++) {
      expect(split([text.subarray(0, cut), text.subarray(cut)])).toEqual([
        ['héllo wörld', false],
        ['second ✓ line', false],
        ['third', false],
      ]);
    }
    expect(split([Buffer.from('a\n\nb\n')])).toEqual([
      ['a', false],
      ['', false],
      ['b', false],
    ]);
  });

  test('a final line without newline counts at a clean end, not after a break', () => {
    expect(split([Buffer.from('a\nb')])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    const out: string[] = [];
    const s = new LineSplitter(100, (l) => out.push(l));
    s.push(Buffer.from('a\npartial'));
    s.reset();
    s.push(Buffer.from('next\n'));
    expect(out).toEqual(['a', 'next']);
  });

  test('long lines are cut at the limit on a character boundary and flagged, then reading goes on', () => {
    const long = 'é'.repeat(100); // 200 bytes
    expect(split([Buffer.from(`${long}\nok\n`)], 51)).toEqual([
      ['é'.repeat(25), true],
      ['ok', false],
    ]);
    // The same line arriving in small pieces never holds more than the limit.
    const bytes = Buffer.from(`${long}\nok\n`);
    const pieces = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) =>
      bytes.subarray(i * 7, i * 7 + 7),
    );
    const s = new LineSplitter(51, () => {});
    let maxHeld = 0;
    for (const p of pieces) {
      s.push(p);
      maxHeld = Math.max(maxHeld, s.pendingBytes);
    }
    expect(maxHeld).toBeLessThanOrEqual(51);
    expect(split(pieces, 51)).toEqual([
      ['é'.repeat(25), true],
      ['ok', false],
    ]);
  });
});
