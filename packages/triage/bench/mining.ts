/**
 * Template-mining throughput: masking + dedupe + Drain + enum split over the loghub lines (the
 * `Content` column of every system, repeated to ~1M lines). Usage: `tsx bench/mining.ts [FOLDER] [REPEAT]`.
 */
import { resolve } from 'node:path';
import { mineLines } from '../src/mining.js';
import { loadLabelledFolder } from '../src/test-helpers/loghub.js';

const folder = resolve(
  process.argv[2] ?? new URL('../../../../shared/corpus/loghub', import.meta.url).pathname,
);
const repeat = Number(process.argv[3] ?? 64);
const base = loadLabelledFolder(folder).flatMap((s) => s.lines.map((l) => l.content));
// Vary numbers between repetitions so the masker does real work rather than hitting identical strings.
const lines: string[] = [];
for (let r = 0; r < repeat; r++)
  for (const l of base) lines.push(r === 0 ? l : l.replace(/\d+/g, (d) => String(Number(d) + r)));
const bytes = lines.reduce((s, l) => s + Buffer.byteLength(l), 0);
mineLines(lines.slice(0, 20_000)); // warm-up
const t0 = process.hrtime.bigint();
const { templates } = mineLines(lines);
const sec = Number(process.hrtime.bigint() - t0) / 1e9;
const rss = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `mining: ${lines.length} lines, ${(bytes / 1e6).toFixed(1)} MB, ${templates.length} templates in ${sec.toFixed(2)} s: ` +
    `${Math.round(lines.length / sec).toLocaleString('en-US')} lines/s, ${(bytes / 1e6 / sec).toFixed(1)} MB/s, peak RSS ${rss.toFixed(0)} MB\n`,
);
