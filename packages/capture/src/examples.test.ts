import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { corpusEntries } from './test-helpers/corpus.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import { CaptureWriter } from './writer.js';

const EXAMPLE = fileURLToPath(new URL('../examples/read-capture.ts', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
});

describe('the README example (examples/read-capture.ts)', () => {
  it('runs against a capture and counts errors per app in its last 15 minutes', async () => {
    const entries = corpusEntries(20_000, 1_705_314_721_000_000_000n, 100_000_000n); // 2000 s of logs
    const w = await CaptureWriter.open(dir, { minFreeBytes: 0 });
    w.append(entries);
    await w.close();
    const out = execFileSync(process.execPath, ['--import', 'tsx', EXAMPLE, dir], { encoding: 'utf8' });
    const [summary, counts] = out.trim().split('\n');
    expect(summary).toBe('1 files, 20000 indexed lines, live: false');
    const end = entries.at(-1)!.ts;
    const want: Record<string, number> = {};
    for (const e of entries) {
      if (e.ts >= end - 900_000_000_000n && /error|exception/i.test(e.msg)) {
        want[e.labels['app']!] = (want[e.labels['app']!] ?? 0) + 1;
      }
    }
    expect(Object.keys(want).length).toBeGreaterThan(1);
    expect(JSON.parse(counts!)).toEqual(want);
  });
});
