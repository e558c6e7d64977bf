import { describe, expect, it } from '@jest/globals';
import { Drain, similarity } from './drain.js';

const seq = (s: string) => s.split(' ');

describe('similarity', () => {
  it('scores informative positions only', () => {
    expect(similarity(seq('a b c d'), seq('a b c d'))).toBe(1);
    expect(similarity(seq('a b c d'), seq('a b x y'))).toBe(0.5);
    expect(similarity(seq('a <*> c'), seq('a z c'))).toBe(1);
    expect(similarity(seq('<*> <*>'), seq('<*> <*>'))).toBe(1);
    expect(similarity(seq('<*> foo'), seq('<*> bar'))).toBe(0);
  });
});

describe('Drain', () => {
  it('merges similar sequences and widens the template', () => {
    const d = new Drain({ similarity: 0.5 });
    const a = d.add(seq('login ok for alice'));
    const b = d.add(seq('login ok for bob'));
    expect(b.id).toBe(a.id);
    expect(d.template(a.id)).toEqual(seq('login ok for <*>'));
    expect(b.size).toBe(2);
    // Different length: a different leaf, a different cluster.
    expect(d.add(seq('login ok for bob twice')).id).not.toBe(a.id);
    // Same leaf but below the threshold: a new cluster.
    const strict = new Drain({ similarity: 0.9 });
    const s1 = strict.add(seq('a b c d'));
    expect(strict.add(seq('a b c e')).id).not.toBe(s1.id);
    // A different second token routes to another leaf.
    expect(d.add(seq('login failed for bob')).id).not.toBe(a.id);
  });

  it('keeps at most maxClusters live clusters, evicting the least recently used', () => {
    const d = new Drain({ maxClusters: 2, similarity: 0.9 });
    const a = d.add(seq('alpha one'));
    const b = d.add(seq('beta two'));
    d.add(seq('alpha one')); // a is now the most recently used
    const c = d.add(seq('gamma three'));
    expect(d.clusters.size).toBe(2);
    expect(d.evicted).toBe(1);
    expect([...d.clusters.keys()].sort()).toEqual([a.id, c.id].sort());
    // The evicted cluster's template stays readable.
    expect(d.template(b.id)).toEqual(seq('beta two'));
    // A sequence like the evicted one starts a new cluster.
    expect(d.add(seq('beta two')).id).not.toBe(b.id);
  });

  it('routes new tokens to the shared <*> child once a node is full', () => {
    const d = new Drain({ maxChildren: 2, depth: 3, similarity: 0.5 });
    d.add(seq('a x y'));
    d.add(seq('b x y'));
    const c = d.add(seq('c x y'));
    const e = d.add(seq('e x y'));
    expect(e.id).toBe(c.id);
    expect(d.template(c.id)).toEqual(seq('<*> x y'));
  });
});
