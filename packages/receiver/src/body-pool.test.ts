import { describe, expect, test } from '@jest/globals';
import { BodyPool } from './body-pool.js';

describe('BodyPool', () => {
  test('reuses a released buffer for a body of about the same size, never two at once', () => {
    const pool = new BodyPool();
    const a = pool.acquire(500_000);
    expect(a.length).toBe(500_000);
    const b = pool.acquire(500_000);
    expect(b.buffer).not.toBe(a.buffer);
    pool.release(a);
    pool.release(a); // a second release of the same buffer is ignored
    expect(pool.idle).toBe(1);
    const c = pool.acquire(510_000);
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(510_000);
    expect(pool.acquire(510_000).buffer).not.toBe(a.buffer);
    // Much smaller bodies do not take a big buffer; small ones are not pooled at all.
    pool.release(c);
    expect(pool.acquire(100_000).buffer).not.toBe(a.buffer);
    const small = pool.acquire(100);
    pool.release(small);
    expect(pool.idle).toBe(1);
  });

  test('keeps at most maxBuffers and maxBytes, and ignores foreign buffers', () => {
    const pool = new BodyPool(2, 10_000_000);
    const bufs = [1, 2, 3].map(() => pool.acquire(1_000_000));
    for (const b of bufs) pool.release(b);
    expect(pool.idle).toBe(2);
    pool.release(Buffer.alloc(1_000_000));
    expect(pool.idle).toBe(2);
    const tight = new BodyPool(8, 1_500_000);
    const x = tight.acquire(1_000_000);
    const y = tight.acquire(1_000_000);
    tight.release(x);
    tight.release(y);
    expect(tight.idle).toBe(1);
  });
});
