import { describe, expect, it } from '@jest/globals';
import { type CaptureEntry, EntryDecoder, EntryEncoder, encodeLabels } from './entry-codec.js';
import { dataLineSchema } from './schema.js';

const enc = new EntryEncoder();

function roundTrip(e: CaptureEntry): CaptureEntry | undefined {
  const line = enc.encode(e);
  expect(line.endsWith('\n')).toBe(true);
  return new EntryDecoder().decode(line.slice(0, -1));
}

describe('EntryEncoder', () => {
  it('writes the canonical line: ts, labels with sorted keys, msg, then meta', () => {
    const line = enc.encode({
      ts: 1705314721123456789n,
      labels: { pod: 'web-1', app: 'web' },
      msg: 'GET / "ok" <b>',
      meta: { trace_id: 'abc' },
    });
    expect(line).toBe(
      '{"ts":"2024-01-15T10:32:01.123456789Z","labels":{"app":"web","pod":"web-1"},"msg":"GET / \\"ok\\" <b>","meta":{"trace_id":"abc"}}\n',
    );
    expect(dataLineSchema.safeParse(JSON.parse(line)).success).toBe(true);
  });

  it('omits empty meta and keeps empty labels as {}', () => {
    expect(enc.encode({ ts: 0n, labels: {}, msg: 'x', meta: {} })).toBe(
      '{"ts":"1970-01-01T00:00:00.000000000Z","labels":{},"msg":"x"}\n',
    );
  });

  it('stringifies non-string label values instead of writing invalid entries', () => {
    expect(encodeLabels({ a: 1 as unknown as string })).toBe('{"a":"1"}');
  });
});

describe('EntryDecoder', () => {
  it('round-trips awkward messages through the fast path', () => {
    const msgs = [
      '',
      'plain',
      'quote " and backslash \\ and both \\"',
      'ends with backslash \\',
      'tab\tnewline\ncr\r nul\u0000 bell\u0007',
      'unicode é 漢字 😀',
      'lone surrogate \ud800 end',
      '},"msg":"fake',
      '","meta":{"x":"y"}',
      '<script>&amp;</script>',
    ];
    for (const msg of msgs) {
      const e = roundTrip({ ts: 1705314721123456789n, labels: { app: 'web' }, msg });
      // A lone surrogate cannot survive UTF-16 -> JSON escape -> UTF-16 except as itself.
      expect(e?.msg).toBe(msg);
      expect(e?.ts).toBe(1705314721123456789n);
      expect(e?.labels).toEqual({ app: 'web' });
    }
  });

  it('round-trips labels that look like structure, and meta', () => {
    const labels = { msg: 'x', 'a"b': '},"msg":"', z: '\\' };
    const e = roundTrip({ ts: 5n, labels, msg: 'm', meta: { k: 'v "q"' } });
    expect(e).toEqual({
      ts: 5n,
      labels: { 'a"b': '},"msg":"', msg: 'x', z: '\\' },
      msg: 'm',
      meta: { k: 'v "q"' },
    });
  });

  it('tells consecutive label sets apart, including ones that extend the previous', () => {
    const d = new EntryDecoder();
    const sets = [{ a: 'b' }, { a: 'b', c: 'd' }, { a: 'b' }, {}, { a: 'bc' }, { a: 'b' }];
    const lines = sets.map((labels, i) => enc.encode({ ts: BigInt(i), labels, msg: `m${i}` }).slice(0, -1));
    expect(lines.map((l) => d.decode(l)?.labels)).toEqual(sets);
  });

  it('shares one frozen labels object per label set', () => {
    const d = new EntryDecoder();
    const a = d.decode('{"ts":"2024-01-15T10:32:01.000000000Z","labels":{"app":"web"},"msg":"1"}');
    const b = d.decode('{"ts":"2024-01-15T10:32:02.000000000Z","labels":{"app":"web"},"msg":"2"}');
    expect(a?.labels).toBe(b?.labels);
    expect(Object.isFrozen(a?.labels)).toBe(true);
  });

  it("reads the Go original's lines: no labels, escaped <>&, offsets, trimmed fractions, field order", () => {
    const d = new EntryDecoder();
    expect(d.decode('{"ts":"2024-01-15T18:32:01.5+08:00","msg":"a \\u003cb\\u003e \\u0026"}')).toEqual({
      ts: 1705314721500000000n,
      labels: {},
      msg: 'a <b> &',
    });
    expect(d.decode('{"msg":"m","labels":{"app":"x"},"ts":"2024-01-15T10:32:01Z","extra":1}')).toEqual({
      ts: 1705314721000000000n,
      labels: { app: 'x' },
      msg: 'm',
    });
    expect(d.decode('{"ts":"2024-01-15T10:32:01Z","labels":null,"msg":"m"}')?.labels).toEqual({});
  });

  it('rejects lines that are not entries', () => {
    const d = new EntryDecoder();
    for (const bad of [
      '',
      'not json',
      '[]',
      '{"ts":"2024-01-15T10:32:01Z"}',
      '{"ts":"yesterday","msg":"m"}',
      '{"ts":"2024-01-15T10:32:01Z","msg":5}',
      '{"ts":"2024-01-15T10:32:01Z","labels":{"a":1},"msg":"m"}',
      '{"ts":"2024-01-15T10:32:01.000000000Z","labels":{"a":"b"},"msg":"m"',
    ]) {
      expect(d.decode(bad)).toBeUndefined();
    }
  });

  it('does not let the fast path misread a line with extra fields after msg', () => {
    const d = new EntryDecoder();
    expect(
      d.decode('{"ts":"2024-01-15T10:32:01.000000000Z","labels":{},"msg":"abc","context":"before"}'),
    ).toEqual({ ts: 1705314721000000000n, labels: {}, msg: 'abc' });
  });
});
