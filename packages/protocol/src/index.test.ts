import { expect, test } from '@jest/globals';
import { placeholder } from './index.js';

test('esm works', async () => {
  const { gzipSync } = await import('node:zlib');
  expect(gzipSync(Buffer.from('x')).length).toBeGreaterThan(0);
  expect(placeholder).toBe(1);
});
