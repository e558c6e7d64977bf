import { describe, expect, it } from '@jest/globals';
import { formatTimestamp } from '@logtap/capture';
import { TimestampText } from './time-format.js';

describe('TimestampText', () => {
  it('formats exactly like formatTimestamp across seconds, days and the epoch', () => {
    const t = new TimestampText();
    const samples = [
      0n,
      1n,
      999_999_999n,
      1_000_000_000n,
      -1n,
      -1_000_000_001n,
      1_705_314_721_123_456_789n,
      1_705_314_721_999_999_999n,
      1_705_363_199_999_999_999n,
      1_705_363_200_000_000_000n,
    ];
    for (const ns of samples) expect(t.format(ns)).toBe(formatTimestamp(ns));
  });
});
