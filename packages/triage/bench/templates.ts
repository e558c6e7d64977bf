/**
 * Template-mining accuracy: per-system grouping accuracy (GA) and the average over a loghub-style
 * folder (default: the shared corpus). Usage: `tsx bench/templates.ts [FOLDER]`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { groupingAccuracy } from '../src/accuracy.js';
import { mineLines } from '../src/mining.js';
import { loadLabelledFolder } from '../src/test-helpers/loghub.js';

// pnpm runs scripts in the package folder: a relative FOLDER is tried against where pnpm was invoked,
// the repository root and the package folder, in that order.
function folderArg(arg: string | undefined): string {
  if (!arg) return new URL('../../../../shared/corpus/loghub', import.meta.url).pathname;
  const bases = [process.env['INIT_CWD'], new URL('../../..', import.meta.url).pathname, process.cwd()];
  for (const base of bases) {
    if (base && existsSync(resolve(base, arg))) return resolve(base, arg);
  }
  return resolve(arg);
}
const folder = folderArg(process.argv[2]);
if (!existsSync(folder)) {
  process.stderr.write(`bench:templates: no such folder ${folder}\n`);
  process.exit(2);
}
const systems = loadLabelledFolder(folder);
if (systems.length === 0) {
  process.stderr.write(`no NAME/*_structured.csv systems under ${folder}\n`);
  process.exit(2);
}
const rows: [string, number, number, number, number][] = [];
for (const sys of systems) {
  const { templates, lineTemplate } = mineLines(sys.lines.map((l) => l.content));
  const ga = groupingAccuracy(
    sys.lines.map((l) => l.eventId),
    lineTemplate,
  );
  rows.push([
    sys.name,
    sys.lines.length,
    new Set(sys.lines.map((l) => l.eventId)).size,
    templates.length,
    ga,
  ]);
}
const avg = rows.reduce((s, r) => s + r[4], 0) / rows.length;
const min = rows.reduce((m, r) => Math.min(m, r[4]), 1);
process.stdout.write(
  `template mining accuracy: ${folder}\n\n| system | lines | true templates | mined | GA |\n|---|---:|---:|---:|---:|\n`,
);
for (const [name, lines, truth, mined, ga] of rows)
  process.stdout.write(`| ${name} | ${lines} | ${truth} | ${mined} | ${ga.toFixed(4)} |\n`);
process.stdout.write(`| **average** | | | | **${avg.toFixed(4)}** |\n\nminimum ${min.toFixed(4)}\n`);
