import { describe, expect, it } from '@jest/globals';
import { type EncodedBatch, EncodedBatchBuilder, EntryDecoder } from '@logtap/capture';
import { OTHER_SERVICES, RecentLines } from './recent.js';

const batch = (app: string, from: number, n: number) => {
  const labels = { app };
  return Array.from({ length: n }, (_, i) => ({ ts: BigInt(from + i), labels, msg: `${app} ${from + i}` }));
};

/** A real serialised batch, as the receiver hands the capture writer. */
function encoded(
  lines: Array<{ labels: Record<string, string>; ts: bigint; msg: string; meta?: Record<string, string> }>,
): EncodedBatch {
  const b = new EncodedBatchBuilder();
  for (const l of lines) {
    const set = b.labelSet(l.labels);
    b.addEntry(set, l.ts, l.msg, l.meta === undefined ? undefined : JSON.stringify(l.meta));
  }
  return b.take();
}

const T0 = 1_700_000_000_123_456_789n;
const encodedRun = (app: string, from: number, n: number): EncodedBatch =>
  encoded(
    Array.from({ length: n }, (_, i) => ({
      labels: { app },
      ts: T0 + BigInt(from + i),
      msg: `${app} ${from + i}`,
    })),
  );

/** Makes a batch unreadable as the writer's transfer to its thread does (postMessage transfer list). */
function detach(b: EncodedBatch): void {
  const buffers = new Set<ArrayBuffer>();
  for (const a of [b.data, b.ends, b.sec, b.nsec, b.sets]) buffers.add(a.buffer as ArrayBuffer);
  structuredClone(null, { transfer: [...buffers] });
}

describe('RecentLines', () => {
  it('returns the newest lines oldest first and counts every line per service', () => {
    const r = new RecentLines();
    r.offer(batch('a', 0, 3));
    r.offer(batch('b', 3, 2));
    expect(r.drainRecent(3).map((e) => e.msg)).toEqual(['a 2', 'b 3', 'b 4']);
    expect(r.skipped).toBe(2);
    expect([...r.services()]).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
    expect(r.drainRecent(10)).toEqual([]);
  });
  it('bounds what waits for the view, still counting released lines', () => {
    const r = new RecentLines({ maxPending: 10 });
    for (let i = 0; i < 100; i++) r.offer(batch('a', i * 4, 4));
    const got = r.drainRecent(1000);
    expect(got.length).toBeLessThanOrEqual(14);
    expect(got.at(-1)!.msg).toBe('a 399');
    expect(r.services().get('a')).toBe(400);
    expect(r.skipped + got.length).toBe(400);
  });
  it('ignores empty batches', () => {
    const r = new RecentLines();
    r.offer([]);
    r.offerEncoded(encoded([]));
    expect(r.drainRecent(5)).toEqual([]);
    expect(r.services().size).toBe(0);
  });
});

describe('RecentLines with serialised batches', () => {
  it('counts lines per service from the label sets and decodes the newest lines only when drained', () => {
    const r = new RecentLines();
    const b = encoded([
      { labels: { app: 'api', pod: 'api-1' }, ts: T0, msg: 'one' },
      { labels: { container: 'db', pod: 'db-0' }, ts: T0 + 1n, msg: 'two' },
      { labels: { app: 'api', pod: 'api-1' }, ts: T0 + 2n, msg: 'three' },
      { labels: { app: 'api', pod: 'api-2' }, ts: T0 + 3n, msg: 'four' },
    ]);
    r.offerEncoded(b);
    expect([...r.services()].sort()).toEqual([
      ['api', 3],
      ['db', 1],
    ]);
    const got = r.drainRecent(10);
    expect(got).toEqual([
      { ts: T0, labels: { app: 'api', pod: 'api-1' }, msg: 'one' },
      { ts: T0 + 1n, labels: { container: 'db', pod: 'db-0' }, msg: 'two' },
      { ts: T0 + 2n, labels: { app: 'api', pod: 'api-1' }, msg: 'three' },
      { ts: T0 + 3n, labels: { app: 'api', pod: 'api-2' }, msg: 'four' },
    ]);
    // Lines of one label set share one labels object (the view derives the service once per run).
    expect(got[0]!.labels).toBe(got[2]!.labels);
    expect(r.skipped).toBe(0);
  });

  it('keeps nothing of the batch: it may be transferred to the writer thread right after sampling', () => {
    const r = new RecentLines();
    const b = encodedRun('a', 0, 5);
    const sample = r.sampleEncoded(b);
    detach(b);
    expect(b.data.byteLength).toBe(0);
    r.offerSample(sample);
    expect(r.drainRecent(10).map((e) => e.msg)).toEqual(['a 0', 'a 1', 'a 2', 'a 3', 'a 4']);
    expect(r.services().get('a')).toBe(5);
  });

  it('a sample that is not offered (the sink refused the batch) counts nothing', () => {
    const r = new RecentLines();
    r.sampleEncoded(encodedRun('a', 0, 5));
    expect(r.drainRecent(10)).toEqual([]);
    expect(r.services().size).toBe(0);
  });

  it('copies at most sampleLines of a batch: the newest, in order across batches', () => {
    const r = new RecentLines({ sampleLines: 4 });
    const s = r.sampleEncoded(encodedRun('a', 0, 10));
    expect(s.n).toBe(4);
    expect(s.data.length).toBeLessThan(4 * 120);
    r.offerSample(s);
    r.offerEncoded(encodedRun('b', 10, 2));
    const got = r.drainRecent(100);
    // The newest 4 of the first batch were copied; both batches together exceed 4 lines, but the older
    // chunk is only released once the newer ones alone fill the bound.
    expect(got.map((e) => e.msg)).toEqual(['a 6', 'a 7', 'a 8', 'a 9', 'b 10', 'b 11']);
    expect(r.skipped).toBe(6);
    r.offerEncoded(encodedRun('c', 12, 3));
    r.offerEncoded(encodedRun('d', 15, 3));
    expect(r.drainRecent(4).map((e) => e.msg)).toEqual(['c 14', 'd 15', 'd 16', 'd 17']);
    expect(r.skipped).toBe(8);
    expect([...r.services()].sort()).toEqual([
      ['a', 10],
      ['b', 2],
      ['c', 3],
      ['d', 3],
    ]);
  });

  it('stays bounded in lines and bytes when the view stalls, counting every line', () => {
    const r = new RecentLines({ sampleLines: 256, sampleBytes: 64 * 1024 });
    let total = 0;
    let most = { lines: 0, bytes: 0 };
    for (let i = 0; i < 600; i++) {
      const n = 1 + ((i * 37) % 300);
      r.offerEncoded(encodedRun(`s${i % 7}`, total, n));
      total += n;
      const w = r.waiting;
      most = { lines: Math.max(most.lines, w.lines), bytes: Math.max(most.bytes, w.bytes) };
    }
    expect(most.lines).toBeLessThan(2 * 256);
    expect(most.bytes).toBeLessThan(2 * 64 * 1024);
    const got = r.drainRecent(100_000);
    expect(got.length).toBeGreaterThanOrEqual(256);
    expect(got.at(-1)!.msg).toBe(`s${599 % 7} ${total - 1}`);
    // Strictly increasing: no line twice, none out of order.
    for (let i = 1; i < got.length; i++) expect(got[i]!.ts).toBeGreaterThan(got[i - 1]!.ts);
    let counted = 0;
    for (const n of r.services().values()) counted += n;
    expect(counted).toBe(total);
    expect(r.skipped + got.length).toBe(total);
  });

  it('keeps the newest line even when it alone exceeds the byte budget', () => {
    const r = new RecentLines({ sampleBytes: 100 });
    const big = 'x'.repeat(500);
    r.offerEncoded(
      encoded([
        { labels: { app: 'a' }, ts: T0, msg: 'small' },
        { labels: { app: 'a' }, ts: T0 + 1n, msg: big },
      ]),
    );
    expect(r.drainRecent(10).map((e) => e.msg)).toEqual([big]);
    expect(r.skipped).toBe(1);
  });

  it('decodes multi-byte UTF-8, escapes, control characters and metadata exactly as written', () => {
    const msgs = [
      'naïve café — 日本語のログ 🚀 e\u0301',
      'quote " backslash \\ tab \t newline \n cr \r nul \u0000 bell \u0007',
      '{"json":"in a message","n":[1,2]}',
      '\u2028 line separator \u2029 and a lone surrogate \ud800 end',
      '',
    ];
    const lines = msgs.map((msg, i) => ({
      labels: { app: 'ü-svc', 'app.kubernetes.io/name': 'サービス' },
      ts: T0 + BigInt(i),
      msg,
      ...(i === 1 ? { meta: { trace: 'abc"def' } } : {}),
    }));
    const b = encoded(lines);
    // What the capture reader would make of the same bytes.
    const reference = new EntryDecoder().decode(Buffer.from(b.data).toString('utf8').split('\n')[3]!);
    const r = new RecentLines();
    r.offerEncoded(b);
    const got = r.drainRecent(10);
    // JSON.stringify escapes a lone surrogate (\ud800), so it comes back as it went in.
    expect(got.map((e) => e.msg)).toEqual(msgs);
    expect(got[3]!.msg).toBe(reference!.msg);
    expect(got.every((e) => e.labels['app.kubernetes.io/name'] === 'サービス')).toBe(true);
    expect(r.services().get('サービス')).toBe(5);
  });

  it('reads batches built by copying others (the redaction threads hand-off) and redacted text', () => {
    const worker = encoded([
      { labels: { app: 'pay' }, ts: T0, msg: 'card <redacted:credit_card> charged' },
      { labels: { app: 'pay', user: '<redacted:email>' }, ts: T0 + 1n, msg: 'mail to <redacted:email>' },
    ]);
    const b = new EncodedBatchBuilder();
    b.labelSet({ app: 'unrelated' });
    b.addEntry(0, T0 - 1n, 'earlier');
    b.addBatch(worker);
    const r = new RecentLines();
    r.offerEncoded(b.take());
    const got = r.drainRecent(10);
    expect(got.map((e) => [e.msg, e.labels])).toEqual([
      ['earlier', { app: 'unrelated' }],
      ['card <redacted:credit_card> charged', { app: 'pay' }],
      ['mail to <redacted:email>', { app: 'pay', user: '<redacted:email>' }],
    ]);
    expect(r.services().get('pay')).toBe(2);
  });

  it('mixes with entry batches in arrival order', () => {
    const r = new RecentLines();
    r.offer(batch('a', 0, 2));
    r.offerEncoded(encodedRun('b', 2, 2));
    r.offer(batch('c', 4, 1));
    expect(r.drainRecent(10).map((e) => e.msg)).toEqual(['a 0', 'a 1', 'b 2', 'b 3', 'c 4']);
    expect(r.drainRecent(10)).toEqual([]);
  });

  it('counts services beyond maxServices under one bucket and bounds the label-set cache', () => {
    const r = new RecentLines({ maxServices: 3, maxCachedLabelSets: 2 });
    for (let i = 0; i < 6; i++) r.offerEncoded(encodedRun(`svc-${i}`, i, 2));
    expect([...r.services()]).toEqual([
      ['svc-0', 2],
      ['svc-1', 2],
      ['svc-2', 2],
      [OTHER_SERVICES, 6],
    ]);
    expect((r as unknown as { labelCache: Map<string, unknown> }).labelCache.size).toBeLessThanOrEqual(2);
    expect(r.drainRecent(100)).toHaveLength(12);
  });
});

describe('RecentLines: serialised and object paths agree', () => {
  it('gives the same lines and counts for random batches (bounded property test)', () => {
    // A small deterministic PRNG: the same cases on every run.
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const pieces = [
      'a',
      'é',
      '日本',
      '😀',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0001',
      ' ',
      '{}',
      'x'.repeat(40),
      '\u2028',
    ];
    const labelSets = [
      { app: 'api' },
      { 'app.kubernetes.io/name': 'shop', pod: 'shop-1' },
      { container: 'db' },
      { zone: 'eu' },
      {},
      { app: '', pod: 'p' },
    ];
    for (let round = 0; round < 60; round++) {
      const byEntries = new RecentLines({ maxPending: 1_000_000 });
      const byBytes = new RecentLines({ sampleLines: 1_000_000, sampleBytes: 1 << 30 });
      let ts = T0 + BigInt(round) * 1_000_000_000n;
      const batches = 1 + rand(5);
      for (let b = 0; b < batches; b++) {
        const lines = Array.from({ length: rand(40) }, () => {
          let msg = '';
          for (let k = rand(6); k > 0; k--) msg += pieces[rand(pieces.length)];
          ts += BigInt(rand(3_000_000_000));
          return { labels: labelSets[rand(labelSets.length)]!, ts, msg };
        });
        byEntries.offer(lines);
        byBytes.offerEncoded(encoded(lines));
      }
      const max = 1 + rand(100);
      expect(byBytes.drainRecent(max)).toEqual(byEntries.drainRecent(max));
      expect(new Map([...byBytes.services()].sort())).toEqual(new Map([...byEntries.services()].sort()));
      expect(byBytes.skipped).toBe(byEntries.skipped);
    }
  });
});
