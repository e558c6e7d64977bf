import { describe, expect, test } from '@jest/globals';
import { Batcher } from './batcher.js';
import { shutdownBudget } from './forwarder.js';
import { ForwarderMetrics, Metric } from './metrics.js';

describe('shutdownBudget', () => {
  test('splits the grace period, keeping 2 s before SIGKILL', () => {
    expect(shutdownBudget(30, { drainTimeoutMs: 10_000, flushTimeoutMs: 10_000 })).toEqual({
      drainTimeoutMs: 10_000,
      flushTimeoutMs: 10_000,
    });
    expect(shutdownBudget(10, { drainTimeoutMs: 10_000, flushTimeoutMs: 10_000 })).toEqual({
      drainTimeoutMs: 4_000,
      flushTimeoutMs: 4_000,
    });
    expect(shutdownBudget(0, { drainTimeoutMs: 10_000, flushTimeoutMs: 10_000 })).toEqual({
      drainTimeoutMs: 500,
      flushTimeoutMs: 500,
    });
  });
});

describe('Batcher', () => {
  test('flushes by size and by time, one stream per label object', async () => {
    const batches: Array<{ lines: number; streams: number }> = [];
    const b = new Batcher({
      maxBytes: 100,
      maxWaitMs: 30,
      onBatch: (x) => batches.push({ lines: x.lines, streams: x.streams.length }),
    });
    const a = { container: 'a' };
    const c = { container: 'c' };
    b.add(a, 1n, 'x'.repeat(40), 40);
    b.add(c, 2n, 'y'.repeat(40), 40); // 2 × (40 + 16) ≥ 100: flushed by size
    expect(batches).toEqual([{ lines: 2, streams: 2 }]);
    b.add(a, 3n, 'z', 1);
    expect(b.lines).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(batches).toEqual([
      { lines: 2, streams: 2 },
      { lines: 1, streams: 1 },
    ]);
    b.flush(); // nothing held: no empty batch
    expect(batches).toHaveLength(2);
  });
});

describe('metrics', () => {
  test('Prometheus text with escaped label values', () => {
    const m = new Metric('x_total', 'Things.', 'counter', 'container');
    m.inc(2, 'a"b\\c');
    m.inc(1, 'a"b\\c');
    expect(m.render()).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{container="a\\"b\\\\c"} 3',
    );
    const all = new ForwarderMetrics().render();
    expect(all).toContain('# TYPE logtap_forwarder_drops_total counter');
    expect(all).toContain('logtap_forwarder_retries_total 0');
    expect(all.endsWith('\n')).toBe(true);
  });
});
