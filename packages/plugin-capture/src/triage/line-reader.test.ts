import { describe, expect, it } from '@jest/globals';
import { type CaptureEntry, EntryDecoder, EntryEncoder } from '@logtap/capture';
import { TriageAccumulator } from '@logtap/triage';
import { compileToolFilter } from '../filter.js';
import { AccumulatorReader } from './line-reader.js';

const T0 = 1_772_721_120_000_000_000n; // 2026-03-05T14:32:00Z

const ENGINE = { windowNs: 60_000_000_000n, maxSignatures: 20_000, examples: 3 };

/** Lines of every shape the reader meets: canonical ones, and each way a line can leave the fast path. */
function mixedLines(): string[] {
  const enc = new EntryEncoder();
  const web = { app: 'web', pod: 'web-0' };
  const db = { app: 'db', pod: 'db-1' };
  const canon = (ts: bigint, labels: Record<string, string>, msg: string, meta?: Record<string, string>) =>
    enc.encode(meta === undefined ? { ts, labels, msg } : { ts, labels, msg, meta }).slice(0, -1);
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const ts = T0 + BigInt(i) * 7_777_777_777n; // crosses minutes and hours
    lines.push(canon(ts, i % 3 === 0 ? db : web, `GET /api/items/${i} 200 ${i * 3} ms`));
    lines.push(canon(ts + 1n, web, `ERROR upstream timed out after ${i}s\r`)); // escaped \r
    lines.push(canon(ts + 2n, db, `quoted "value" ${i} and a \\ backslash`));
    lines.push(canon(ts + 3n, {}, `no labels at all ${i}`));
    lines.push(canon(ts + 4n, web, `ünïcödé ${i} ✓ café`));
    lines.push(canon(ts + 5n, web, `with meta ${i}`, { trace_id: `t${i}` }));
    lines.push(canon(ts + 6n, { app: 'we}b,"x' }, `odd label value ${i}`));
  }
  // Non-canonical but valid entries: other key order, spacing, a time with an offset, a short fraction,
  // a leap second, a bare quote the fast path must not take.
  lines.push('{"labels":{"app":"web"},"ts":"2026-03-05T14:33:00.000000001Z","msg":"keys reordered"}');
  lines.push('{"ts": "2026-03-05T14:33:01.000000000Z", "labels": {"app": "web"}, "msg": "spaced"}');
  lines.push('{"ts":"2026-03-05T15:33:02.5+01:00","labels":{"app":"web"},"msg":"offset time"}');
  lines.push('{"ts":"2026-03-05T14:33:03.123456789Z","labels":{"app":"web"},"msg":"extra","x":"y"}');
  lines.push('{"ts":"2026-12-31T23:59:60.000000000Z","labels":{"app":"web"},"msg":"leap second"}');
  lines.push('{"ts":"2026-03-05T14:33:04.000000000Z","msg":"no labels key"}');
  // Not entries at all.
  lines.push('not json');
  lines.push('{"ts":"2026-03-05T14:3a:00.000000000Z","labels":{"app":"web"},"msg":"bad minute"}');
  lines.push('{"ts":"2026-03-05T14:33:05.000000000Z","labels":{"app":"web"},"msg":"torn');
  lines.push('{"ts":"2026-03-05T14:33:06.000000000Z","labels":{"app":"web"},"msg":"bad \\q escape"}');
  return lines;
}

/** What the same lines give through @logtap/capture's decoder: the reference. */
function viaDecoder(lines: string[], keep: (e: CaptureEntry) => boolean) {
  const dec = new EntryDecoder();
  const acc = new TriageAccumulator(ENGINE);
  let invalid = 0;
  let kept = 0;
  for (const l of lines) {
    if (l === '') continue;
    const e = dec.decode(l);
    if (e === undefined) invalid++;
    else if (keep(e)) {
      acc.push(e);
      kept++;
    }
  }
  return { state: acc.snapshot(), invalid, kept };
}

function viaReader(
  lines: string[],
  filter: ReturnType<typeof compileToolFilter>,
  inside: boolean,
  chunks = 1,
) {
  const acc = new TriageAccumulator(ENGINE);
  const reader = new AccumulatorReader(acc, filter);
  let invalid = 0;
  const per = Math.ceil(lines.length / chunks);
  for (let i = 0; i < lines.length; i += per) {
    invalid += reader.range(Buffer.from(`${lines.slice(i, i + per).join('\n')}\n`), inside);
  }
  return { state: acc.snapshot(), invalid, kept: reader.lines };
}

describe('AccumulatorReader', () => {
  it('pushes exactly what the entry decoder reads, line for line', () => {
    const lines = mixedLines();
    const want = viaDecoder(lines, () => true);
    expect(want.invalid).toBe(4);
    expect(want.kept).toBe(lines.length - 4);
    const got = viaReader(lines, compileToolFilter({}), true);
    expect(got).toEqual(want);
  });

  it('gives the same state whatever the range boundaries, and skips empty lines', () => {
    const lines = mixedLines();
    const want = viaReader(lines, compileToolFilter({}), true);
    expect(viaReader(lines, compileToolFilter({}), true, 7)).toEqual(want);
    const withBlanks = lines.flatMap((l, i) => (i % 5 === 0 ? [l, ''] : [l]));
    expect(viaReader(withBlanks, compileToolFilter({}), true)).toEqual(want);
  });

  it('applies the time filter only to ranges it does not cover, and the label filter always', () => {
    const lines = mixedLines();
    const from = T0 + 60_000_000_000n;
    const to = T0 + 200_000_000_000n;
    const filter = compileToolFilter({ from, to, labels: [{ name: 'app', op: '=', value: 'web' }] });
    const want = viaDecoder(lines, (e) => e.ts >= from && e.ts <= to && e.labels['app'] === 'web');
    expect(want.kept).toBeGreaterThan(10);
    expect(viaReader(lines, filter, false)).toEqual(want);
    // A covered range: the time test is skipped (the scan promised every line is inside).
    const labelsOnly = viaDecoder(lines, (e) => e.labels['app'] === 'web');
    expect(viaReader(lines, filter, true)).toEqual(labelsOnly);
  });

  it('reads a time at every second and nanosecond of a minute change exactly', () => {
    const enc = new EntryEncoder();
    const lines: string[] = [];
    for (const ts of [
      T0 - 1n,
      T0,
      T0 + 59_999_999_999n,
      T0 + 60_000_000_000n,
      0n,
      253_402_300_799_999_999_999n,
    ])
      lines.push(enc.encode({ ts, labels: { app: 'a' }, msg: `at ${ts}` }).slice(0, -1));
    expect(viaReader(lines, compileToolFilter({}), true)).toEqual(viaDecoder(lines, () => true));
  });
});
