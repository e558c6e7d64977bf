/** Independent checks of what the writer put on disk (tests only). */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { decompress } from 'zstd-napi';

/** Decompresses a whole .jsonl.zst (all frames) with zstd-napi's one-shot API, or reads a raw .jsonl. */
export function fileText(file: string): string {
  const buf = readFileSync(file);
  return file.endsWith('.zst') ? decompress(buf).toString('utf8') : buf.toString('utf8');
}

/** Decompresses one byte range (whole frames) of a file. */
export function rangeText(file: string, offset: number, length: number): string {
  const buf = readFileSync(file).subarray(offset, offset + length);
  return decompress(buf).toString('utf8');
}

/** The JSON objects of a text of lines. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Sum of st_size of every regular file in `dir` (what the disk cap counts). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    try {
      const s = statSync(path.join(dir, name));
      if (s.isFile()) n += s.size;
    } catch {
      // Removed meanwhile.
    }
  }
  return n;
}

/** Data file names in `dir`, sorted. */
export function dataFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^\d{4}-\d{2}-\d{2}T\d{6}-\d{3,}\.jsonl(\.zst)?$/.test(n))
    .sort();
}

/** Smallest and largest of some bigints (Math.min/max do not take bigint). */
export function bigMin(values: bigint[]): bigint {
  let m = values[0]!;
  for (const v of values) if (v < m) m = v;
  return m;
}

export function bigMax(values: bigint[]): bigint {
  let m = values[0]!;
  for (const v of values) if (v > m) m = v;
  return m;
}
