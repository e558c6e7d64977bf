/**
 * Writes the report files of `logtap triage --out DIR`: summary.md, report.json, timeline.csv,
 * templates.csv and report.html. The directory is created 0700 and each file 0600 (reports quote log
 * lines, which may hold what the capture holds). Each file is written to a temporary name and renamed
 * into place, so a reader never sees half a report and a rerun replaces the previous one.
 */

import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  renderHtml,
  renderReportJson,
  renderSummaryMarkdown,
  renderTemplatesCsv,
  renderTimelineCsv,
  type TriageReport,
} from '@logtap/triage';
import { OutputIsCaptureError, OutputWriteError } from './errors.js';

/** The files of a report directory, in the order they are written. */
export const REPORT_FILES = [
  'report.json',
  'summary.md',
  'timeline.csv',
  'templates.csv',
  'report.html',
] as const;
export type ReportFile = (typeof REPORT_FILES)[number];

/** Renders every report file. */
export function renderReportFiles(report: TriageReport): Record<ReportFile, string> {
  return {
    'report.json': renderReportJson(report),
    'summary.md': renderSummaryMarkdown(report),
    'timeline.csv': renderTimelineCsv(report),
    'templates.csv': renderTemplatesCsv(report),
    'report.html': renderHtml(report),
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false; // missing (or unreadable: the write below reports that properly)
  }
}

/**
 * Writes the report files into `dir` (created 0700 when missing). `pid` names the temporary files, so
 * two runs writing the same directory never write into each other's. Returns the paths written.
 */
export async function writeReportDir(dir: string, report: TriageReport, pid: number): Promise<string[]> {
  if ((await exists(join(dir, 'metadata.json'))) || (await exists(join(dir, 'index.jsonl'))))
    throw new OutputIsCaptureError(dir);
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await chmod(dir, 0o700); // the umask may have widened nothing, but be explicit
  } catch (err) {
    throw new OutputWriteError(dir, { cause: err });
  }
  const files = renderReportFiles(report);
  const written: string[] = [];
  for (const name of REPORT_FILES) {
    const path = join(dir, name);
    const tmp = join(dir, `.${name}.${pid}.tmp`);
    try {
      await writeFile(tmp, files[name], { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {
        // Best effort: the write error below is the one to report.
      });
      throw new OutputWriteError(path, { cause: err });
    }
    written.push(path);
  }
  return written;
}
