import { describe, expect, it } from '@jest/globals';
import { LineRing } from './ring.js';

const entry = (msg: string, app = 'a') => ({ ts: 1n, labels: { app }, msg });

describe('LineRing', () => {
  it('assigns increasing seqs and derives service and level', () => {
    const r = new LineRing();
    const added = r.push([entry('ERROR x', 'api'), entry('ok')]);
    expect(added.map((l) => l.seq)).toEqual([0, 1]);
    expect(added[0]!.service).toBe('api');
    expect(added[0]!.level).toBe('error');
    expect(r.get(1)?.msg).toBe('ok');
    expect(r.length).toBe(2);
  });
  it('evicts the oldest lines beyond the line bound', () => {
    const r = new LineRing({ maxLines: 3 });
    for (let i = 0; i < 10; i++) r.push([entry(`m${i}`)]);
    expect(r.length).toBe(3);
    expect(r.firstSeq).toBe(7);
    expect(r.endSeq).toBe(10);
    expect([...r].map((l) => l.msg)).toEqual(['m7', 'm8', 'm9']);
    expect(r.get(6)).toBeUndefined();
    expect(r.evicted).toBe(7);
  });
  it('evicts by bytes too, keeping a single oversized line', () => {
    const r = new LineRing({ maxLines: 1000, maxBytes: 4096 });
    for (let i = 0; i < 100; i++) r.push([entry('x'.repeat(200))]);
    expect(r.bytes).toBeLessThanOrEqual(4096);
    expect(r.length).toBeLessThan(100);
    r.push([entry('y'.repeat(10_000))]);
    expect(r.length).toBe(1);
    expect(r.get(r.firstSeq)?.msg.startsWith('y')).toBe(true);
  });
  it('grows its buffer and keeps order across wrap-around', () => {
    const r = new LineRing({ maxLines: 5000 });
    for (let i = 0; i < 12_000; i++) r.push([entry(String(i))]);
    const all = [...r].map((l) => Number(l.msg));
    expect(all.length).toBe(5000);
    expect(all[0]).toBe(7000);
    expect(all.every((v, i) => i === 0 || v === all[i - 1]! + 1)).toBe(true);
  });
});
