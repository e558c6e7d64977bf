/** Writes the benchmark capture (loghub corpus, default writer settings) into argv[2]; used by reader.ts. */

import { CaptureWriter } from '../src/index.js';
import { benchEntries } from './common.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: make-capture.ts <dir> [MB]');
const entries = benchEntries(Number(process.argv[3] ?? 150));
const w = await CaptureWriter.open(dir, { minFreeBytes: 0, maxPendingBytes: 512 << 20 });
for (let i = 0; i < entries.length; i += 1000) {
  while (!w.append(entries.slice(i, i + 1000))) await new Promise((r) => setImmediate(r));
}
await w.close();
