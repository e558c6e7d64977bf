/**
 * Loads a loghub-style folder (`NAME/NAME_2k.log_structured.csv` per system) for scoring template
 * mining. Shared by the accuracy bench and the tests; not part of the public API.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LabelledLine {
  content: string;
  eventId: string;
}

export interface LabelledSystem {
  name: string;
  lines: LabelledLine[];
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34 /* " */) {
        if (text.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += text[i];
      i++;
      continue;
    }
    if (c === 34 && field.length === 0) {
      quoted = true;
    } else if (c === 44 /* , */) {
      row.push(field);
      field = '';
    } else if (c === 10 || c === 13) {
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += text[i];
    }
    i++;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Reads one `*_structured.csv` file: the `Content` and `EventId` columns. */
export function readStructuredCsv(file: string): LabelledLine[] {
  const rows = parseCsv(readFileSync(file, 'utf8'));
  const header = rows[0];
  if (!header) throw new Error(`${file}: empty CSV`);
  const ci = header.indexOf('Content');
  const ei = header.indexOf('EventId');
  if (ci < 0 || ei < 0)
    throw new Error(`${file}: needs Content and EventId columns, has ${header.join(',')}`);
  const out: LabelledLine[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length === 1 && row[0] === '') continue;
    out.push({ content: row[ci] ?? '', eventId: row[ei] ?? '' });
  }
  return out;
}

/** Every `NAME/…_structured.csv` under `folder`, sorted by system name. */
export function loadLabelledFolder(folder: string): LabelledSystem[] {
  const systems: LabelledSystem[] = [];
  for (const name of readdirSync(folder).sort()) {
    const dir = join(folder, name);
    if (!statSync(dir).isDirectory()) continue;
    const csv = readdirSync(dir)
      .filter((f) => f.endsWith('_structured.csv'))
      .sort()[0];
    if (!csv) continue;
    systems.push({ name, lines: readStructuredCsv(join(dir, csv)) });
  }
  return systems;
}
