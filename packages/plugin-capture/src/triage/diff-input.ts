/**
 * Inputs of `logtap diff`: a report.json, a directory written by `logtap triage --out` (its
 * report.json), or a capture directory (triaged on the fly with the same options for both sides).
 */

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReportJson, type TriageReport } from '@logtap/triage';
import { DiffInputError } from './errors.js';
import { type TriageCaptureOptions, triageCapture } from './pipeline.js';

export type DiffInputKind = 'report' | 'capture';

export interface LoadedInput {
  report: TriageReport;
  kind: DiffInputKind;
  /** The file the report came from, or the capture directory. */
  source: string;
}

async function readReport(file: string, label: string): Promise<TriageReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DiffInputError(label, `cannot read ${file} (${(err as Error).message})`, { cause: err });
  }
  try {
    return parseReportJson(text, file);
  } catch (err) {
    throw new DiffInputError(label, (err as Error).message, { cause: err });
  }
}

/** Loads one side of a diff. Capture directories are triaged with `triage` options. */
export async function loadDiffInput(
  path: string,
  triage: Omit<TriageCaptureOptions, 'dir'>,
): Promise<LoadedInput> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new DiffInputError(path, 'no such file or directory', { cause: err });
  }
  if (!isDir) return { report: await readReport(path, path), kind: 'report', source: path };
  const reportFile = join(path, 'report.json');
  const hasReport = await stat(reportFile).then(
    (s) => s.isFile(),
    () => false,
  );
  if (hasReport) return { report: await readReport(reportFile, path), kind: 'report', source: reportFile };
  const { report } = await triageCapture({ ...triage, dir: path });
  return { report, kind: 'capture', source: path };
}
