import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import snappy from 'snappy';
import { decodeSnappyBlock } from './content.js';
import { BadSnappyError, BodyTooLargeError, isProtocolError, SnappyFramedError } from './errors.js';

const napiUncompress = (b: Uint8Array): Buffer | undefined => {
  try {
    return snappy.uncompressSync(Buffer.from(b), { asBuffer: true }) as Buffer;
  } catch {
    return undefined; // the reference decoder refused it too
  }
};

/** Data that exercises every snappy element: literals of all length forms, short/long and overlapping copies. */
const compressible = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5000 }))
    .map(([s, n]) => Buffer.from(s.repeat(n).slice(0, 70_000))),
  fc
    .array(
      fc.constantFrom('GET /api/v1/items 200 ', 'user=42 ', 'latency_ms=', '12', 'é', '\n', 'x'.repeat(70)),
      { maxLength: 400 },
    )
    .map((parts) => Buffer.from(parts.join(''))),
  fc.integer({ min: 0, max: 300_000 }).map((n) => Buffer.alloc(n, 0x61)),
);

describe('snappy block decoder', () => {
  it('decodes exactly what the snappy library compresses (property)', () => {
    fc.assert(
      fc.property(compressible, (data) => {
        const block = snappy.compressSync(Buffer.from(data));
        expect(
          Buffer.from(decodeSnappyBlock(block, Number.POSITIVE_INFINITY)).equals(Buffer.from(data)),
        ).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts and refuses exactly what the reference decoder does on mutated blocks (property)', () => {
    fc.assert(
      fc.property(
        compressible,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (data, flips) => {
          const block = Buffer.from(snappy.compressSync(Buffer.from(data)));
          for (const [at, v] of flips) if (block.length > 0) block[at % block.length] = v;
          const reference = napiUncompress(block);
          let ours: Uint8Array | undefined;
          try {
            ours = decodeSnappyBlock(block, 1 << 20);
          } catch (err) {
            expect(isProtocolError(err)).toBe(true);
            if (!(err instanceof BodyTooLargeError)) expect(reference).toBeUndefined();
            return;
          }
          expect(reference).toBeDefined();
          expect(Buffer.from(ours).equals(reference!)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('builds literals with 1- to 4-byte lengths and copies with 1-, 2- and 4-byte offsets', () => {
    // Hand-assembled: literal "abcd" (tag len-1=3), 1-byte-offset copy len 4 off 4, 2-byte copy len 8 off 8,
    // 4-byte copy len 2 off 1 (overlapping), literal with a 1-byte length (60 → 61 bytes).
    const lit61 = Buffer.alloc(61, 0x7a);
    const body = Buffer.concat([
      Buffer.from([4 + 4 + 8 + 2 + 61]),
      Buffer.from([3 << 2, 0x61, 0x62, 0x63, 0x64]),
      Buffer.from([((4 - 4) << 2) | 1, 4]),
      Buffer.from([((8 - 1) << 2) | 2, 8, 0]),
      Buffer.from([((2 - 1) << 2) | 3, 1, 0, 0, 0]),
      Buffer.from([60 << 2, 60]),
      lit61,
    ]);
    const out = Buffer.from(decodeSnappyBlock(body, 1000)).toString();
    expect(out).toBe(`abcdabcdabcdabcddd${'z'.repeat(61)}`);
    expect(napiUncompress(body)?.toString()).toBe(out);
  });

  it('agrees with the reference on hand-assembled elements: every short offset, lengths around the 4- and 8-byte steps (property)', () => {
    // The decoder moves short literals and copies 8 (or 4) bytes at a time and may write past an element:
    // sequences of literals and copies of every small offset and length, ending anywhere, must decode
    // exactly as the reference does (or be refused by both).
    const element = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((lit) => ({ lit })),
      fc.record({ offset: fc.integer({ min: 1, max: 20 }), len: fc.integer({ min: 1, max: 64 }) }),
      fc.record({
        offset: fc.integer({ min: 1, max: 2047 }),
        len: fc.integer({ min: 4, max: 11 }),
        short: fc.constant(true),
      }),
    );
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 40 }), (elements) => {
        const parts: Buffer[] = [];
        let length = 0;
        for (const e of elements) {
          if ('lit' in e) {
            parts.push(Buffer.from([(e.lit.length - 1) << 2]), Buffer.from(e.lit));
            length += e.lit.length;
          } else if ('short' in e) {
            parts.push(Buffer.from([((e.offset >> 8) << 5) | ((e.len - 4) << 2) | 1, e.offset & 0xff]));
            length += e.len;
          } else {
            parts.push(Buffer.from([((e.len - 1) << 2) | 2, e.offset & 0xff, e.offset >> 8]));
            length += e.len;
          }
        }
        const header: number[] = [];
        for (let v = length; ; v >>>= 7) {
          if (v < 0x80) {
            header.push(v);
            break;
          }
          header.push((v & 0x7f) | 0x80);
        }
        const block = Buffer.concat([Buffer.from(header), ...parts]);
        const reference = napiUncompress(block);
        let ours: Buffer | undefined;
        try {
          ours = Buffer.from(decodeSnappyBlock(block, 1 << 20));
        } catch (err) {
          expect(err).toBeInstanceOf(BadSnappyError);
          expect(reference).toBeUndefined();
          return;
        }
        expect(reference).toBeDefined();
        expect(ours.equals(reference!)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('checks the declared length against the limit before decoding (413)', () => {
    // Header says 4 GiB - 1; nothing is allocated before the check.
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    const err = (() => {
      try {
        decodeSnappyBlock(bomb, 64 << 20);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect((err as BodyTooLargeError).size).toBe(0xffffffff);
    expect((err as BodyTooLargeError).httpStatus).toBe(413);
    // Without a limit, a declared length the bytes cannot produce is corrupt rather than allocated.
    expect(() =>
      decodeSnappyBlock(Buffer.from([0x80, 0x80, 0x80, 0x40, 0x00]), Number.POSITIVE_INFINITY),
    ).toThrow(BadSnappyError);
  });

  it('refuses the framing format with its own error', () => {
    const framed = Buffer.concat([
      Buffer.from('ff060000734e61507059', 'hex'),
      Buffer.from('01090000', 'hex'),
    ]);
    expect(() => decodeSnappyBlock(framed, 1 << 20)).toThrow(SnappyFramedError);
  });

  it.each([
    ['empty', '', 'empty body'],
    ['length header only, nothing after', '05', 'decoded 0 bytes'],
    ['truncated header', '80', 'truncated length header'],
    ['header longer than 5 bytes', '8080808080', 'invalid length header'],
    ['literal past the input', '050c6162', 'literal runs past the end of the input'],
    ['literal past the declared length', '0108616263', 'literal runs past the declared length'],
    ['copy before the start', '040105', 'copy offset'],
    ['copy with offset 0', '0500610100', 'copy offset'],
    ['trailing bytes after the declared length', '0100610061', 'runs past the declared length'],
  ])('refuses a corrupt block: %s', (_name, hex, reason) => {
    expect(() => decodeSnappyBlock(Buffer.from(hex, 'hex'), 1 << 20)).toThrow(reason);
  });

  it('explains what a non-snappy body probably is', () => {
    expect(() => decodeSnappyBlock(Buffer.from('{"streams":[]}'), 1 << 20)).toThrow('looks like JSON');
    expect(() => decodeSnappyBlock(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), 1 << 20)).toThrow('gzip data');
    expect(() => decodeSnappyBlock(Buffer.from('0a0b0a097b613d2231227d12', 'hex'), 1 << 20)).toThrow(
      'uncompressed protobuf',
    );
  });

  it('reuses its scratch buffer without corrupting results copied out', () => {
    const a = decodeSnappyBlock(snappy.compressSync(Buffer.from('first body '.repeat(100))), 1 << 20);
    const first = Buffer.from(a).toString();
    decodeSnappyBlock(snappy.compressSync(Buffer.from('second!'.repeat(200))), 1 << 20);
    expect(first).toBe('first body '.repeat(100));
  });
});
