/**
 * Names of the files in a capture directory. Data files are `<UTC YYYY-MM-DDTHHMMSS>-<NNN>.jsonl.zst`
 * (the time the file was opened, then a sequence number within that second), so lexical order is
 * creation order; the original also left raw `.jsonl` active files.
 */

export const METADATA_FILE = 'metadata.json';
export const INDEX_FILE = 'index.jsonl';
export const AUDIT_FILE = 'audit.jsonl';
/** Held by a live writer; holds `<pid> <hostname> <started>`. Readers ignore it. */
export const LOCK_FILE = '.logtap.lock';
/** Suffix of the temporary files behind every atomic rewrite (temp file + rename). */
export const TEMP_SUFFIX = '.tmp';

const DATA_NAME = /^(\d{4}-\d{2}-\d{2}T\d{6})-(\d{3,})\.jsonl(\.zst)?$/;

/** Parsed data file name. */
export interface DataFileName {
  name: string;
  /** `YYYY-MM-DDTHHMMSS` part. */
  stamp: string;
  seq: number;
  compressed: boolean;
}

/** Parses a data file name, or returns undefined for any other file. */
export function parseDataFileName(name: string): DataFileName | undefined {
  const m = DATA_NAME.exec(name);
  if (!m) return undefined;
  return { name, stamp: m[1]!, seq: Number(m[2]), compressed: m[3] !== undefined };
}

/** Whether `name` looks like a data file (ours or the original's, raw or compressed). */
export function isDataFileName(name: string): boolean {
  return DATA_NAME.test(name) || (/\.jsonl(\.zst)?$/.test(name) && !isReservedName(name));
}

function isReservedName(name: string): boolean {
  return (
    name === INDEX_FILE || name === AUDIT_FILE || name.startsWith('audit.') || name.endsWith(TEMP_SUFFIX)
  );
}

/** `YYYY-MM-DDTHHMMSS` of a ms clock reading, in UTC. */
export function fileStamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-15T10:32:01.000Z
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** Data file name for an opening time and sequence number. */
export function dataFileName(stamp: string, seq: number): string {
  return `${stamp}-${String(seq).padStart(3, '0')}.jsonl.zst`;
}

/**
 * Orders data file names: by stamp, then sequence number numerically (so `-1000` sorts after `-999`),
 * then compressed after raw. Other names sort lexically after data files.
 */
export function compareDataFileNames(a: string, b: string): number {
  const pa = parseDataFileName(a);
  const pb = parseDataFileName(b);
  if (pa && pb) {
    if (pa.stamp !== pb.stamp) return pa.stamp < pb.stamp ? -1 : 1;
    if (pa.seq !== pb.seq) return pa.seq - pb.seq;
    return Number(pa.compressed) - Number(pb.compressed);
  }
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
