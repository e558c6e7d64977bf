import { readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';

// What the image ships (docs/forwarder.md, "Resources"); program.e2e.test.ts runs it.
const BUNDLE = join(import.meta.dirname, '..', 'dist', 'bundle', 'logtap-forwarder.mjs');

describe('the bundle (dist/bundle/logtap-forwarder.mjs)', () => {
  test('imports nothing but Node built-ins and snappy', () => {
    const code = readFileSync(BUNDLE, 'utf8');
    const specifiers = new Set([...code.matchAll(/\bfrom\s*"([^"\s;()]+)"/g)].map((m) => m[1]!));
    expect(specifiers.size).toBeGreaterThan(0);
    const builtins = new Set(builtinModules);
    const foreign = [...specifiers].filter(
      (s) => s !== 'snappy' && !s.startsWith('node:') && !builtins.has(s),
    );
    expect(foreign).toEqual([]);
  });

  test('stays small: client-node without its unused APIs and models, undici without fetch, zod/mini', () => {
    // 1.2 MB when this was written; the full client-node API, its models, all of undici or zod's chained
    // API would each add 0.25-3 MB (and MiBs of RSS in every pod).
    expect(statSync(BUNDLE).size).toBeLessThan(1_500_000);
  });
});
