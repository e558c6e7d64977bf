import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { groupingAccuracy } from './accuracy.js';
import { mineLines, mineSequences } from './mining.js';
import { loadLabelledFolder } from './test-helpers/loghub.js';

const CORPUS = join(import.meta.dirname, '../../../../shared/corpus/loghub');

describe('groupingAccuracy', () => {
  it('counts a line as correct only when its whole group matches', () => {
    expect(groupingAccuracy(['a', 'a', 'b'], [1, 1, 2])).toBe(1);
    expect(groupingAccuracy(['a', 'a', 'b'], [1, 1, 1])).toBe(0);
    expect(groupingAccuracy(['a', 'a', 'b', 'c'], [1, 2, 3, 4])).toBe(0.5);
    expect(() => groupingAccuracy(['a'], [])).toThrow(RangeError);
  });
});

describe('mineSequences', () => {
  it('splits enumerated word positions and keeps high-cardinality ones variable', () => {
    const lines = [
      ...['Started', 'Paused', 'Resumed', 'Stopped'].flatMap((s) => [
        `VM ${s} (Lifecycle Event)`,
        `VM ${s} (Lifecycle Event)`,
      ]),
      ...Array.from({ length: 12 }, (_, i) => `session opened for user ${String.fromCharCode(97 + i)}name`),
    ];
    const { templates, lineTemplate } = mineLines(lines);
    const text = templates.map((t) => t.tokens.join(' '));
    expect(text).toContain('VM Paused (Lifecycle Event)');
    expect(text).toContain('session opened for user <*>');
    expect(new Set(lineTemplate.slice(0, 8)).size).toBe(4);
    expect(new Set(lineTemplate.slice(8)).size).toBe(1);
  });

  it('is deterministic and sums weights', () => {
    const inputs = [
      { tokens: ['a', 'b', 'c'], weight: 2 },
      { tokens: ['a', 'b', '<*>'], weight: 1 },
      { tokens: ['x', 'y'], weight: 5 },
    ];
    const r1 = mineSequences(inputs);
    const r2 = mineSequences(inputs);
    expect(r1).toEqual(r2);
    expect(r1.templates).toEqual([
      { tokens: ['a', 'b', '<*>'], weight: 3, members: [0, 1] },
      { tokens: ['x', 'y'], weight: 5, members: [2] },
    ]);
    expect(r1.assignment).toEqual([0, 0, 1]);
  });
});

describe('template mining on loghub', () => {
  it('has the shared corpus', () => {
    expect(existsSync(CORPUS)).toBe(true);
  });

  const systems = existsSync(CORPUS) ? loadLabelledFolder(CORPUS) : [];

  it('reaches GA >= 0.90 on average and >= 0.80 on every system', () => {
    expect(systems.length).toBeGreaterThanOrEqual(8);
    const gas = systems.map((s) =>
      groupingAccuracy(
        s.lines.map((l) => l.eventId),
        mineLines(s.lines.map((l) => l.content)).lineTemplate,
      ),
    );
    const avg = gas.reduce((a, b) => a + b, 0) / gas.length;
    expect(avg).toBeGreaterThanOrEqual(0.9);
    for (const ga of gas) expect(ga).toBeGreaterThanOrEqual(0.8);
  });

  it('scores well on 500-line slices too (every quarter of every system)', () => {
    const scores: { slice: string; ga: number }[] = [];
    for (const s of systems) {
      for (let from = 0; from < s.lines.length; from += 500) {
        const slice = s.lines.slice(from, from + 500);
        const ga = groupingAccuracy(
          slice.map((l) => l.eventId),
          mineLines(slice.map((l) => l.content)).lineTemplate,
        );
        scores.push({ slice: `${s.name}[${from}]`, ga });
      }
    }
    expect(scores).toHaveLength(32);
    expect(scores.filter((x) => x.ga < 0.75)).toEqual([]);
    expect(scores.reduce((a, x) => a + x.ga, 0) / scores.length).toBeGreaterThanOrEqual(0.95);
  });
});
