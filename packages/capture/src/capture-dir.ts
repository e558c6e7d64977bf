/**
 * The writer's view of its directory: a ledger of the bytes every file holds (what the disk cap counts)
 * and the small files besides the data: index.jsonl (appended, rewritten atomically when files are evicted),
 * metadata.json (rewritten atomically) and audit.jsonl (appended, bounded by rewriting it to its newest
 * half). Failures are reported through `onError` and never thrown: a writer keeps writing data.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendSync, scanDirSizes, totalSize, writeFileAtomicSync } from './disk.js';
import { AUDIT_FILE, INDEX_FILE, METADATA_FILE } from './names.js';
import { formatTimestamp, msToNs } from './timestamp.js';

function bigintSafe(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

export class CaptureDir {
  /** Bytes of every regular file in the directory. */
  diskBytes = 0;
  indexBytes = 0;
  metadataBytes = 0;
  auditBytes = 0;
  /** Audit events lost (truncation, or no room). */
  auditDropped = 0;

  constructor(
    readonly dir: string,
    readonly auditMaxBytes: number,
    private readonly onError: (operation: string, detail: string) => void,
  ) {
    this.resync();
  }

  /** Re-measures the directory from the file system (other files may have appeared or gone). */
  resync(): void {
    try {
      const sizes = scanDirSizes(this.dir);
      this.diskBytes = totalSize(sizes);
      this.indexBytes = sizes.get(INDEX_FILE) ?? 0;
      this.metadataBytes = sizes.get(METADATA_FILE) ?? 0;
      this.auditBytes = sizes.get(AUDIT_FILE) ?? 0;
    } catch (err) {
      this.onError('measure the directory', (err as Error).message);
    }
  }

  /** Bytes kept free for the atomic rewrites (temp copies of index, metadata and half the audit). */
  rewriteReserve(): number {
    return this.indexBytes + this.metadataBytes + Math.floor(this.auditMaxBytes / 2);
  }

  /** Deletes a file whose size the ledger counts. */
  unlink(name: string, size: number): void {
    try {
      fs.unlinkSync(path.join(this.dir, name));
      this.diskBytes -= size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.diskBytes -= size;
      else this.onError('delete file', (err as Error).message);
    }
  }

  /** Appends one index line. On failure the data file stays an orphan, which readers and recovery handle. */
  appendIndexLine(line: string): void {
    try {
      appendSync(path.join(this.dir, INDEX_FILE), line);
      const n = Buffer.byteLength(line);
      this.indexBytes += n;
      this.diskBytes += n;
    } catch (err) {
      this.onError('append index line', (err as Error).message);
    }
  }

  /** Replaces index.jsonl atomically. On failure the old index (listing evicted files) stays: harmless. */
  rewriteIndex(text: string): void {
    this.#replace(INDEX_FILE, text, 'rewrite index', (n) => {
      this.diskBytes += n - this.indexBytes;
      this.indexBytes = n;
    });
  }

  /** Replaces metadata.json atomically (2-space indented, like the original). Returns whether it worked. */
  writeMetadata(doc: Record<string, unknown>): boolean {
    return this.#replace(METADATA_FILE, `${JSON.stringify(doc, null, 2)}\n`, 'write metadata.json', (n) => {
      this.diskBytes += n - this.metadataBytes;
      this.metadataBytes = n;
    });
  }

  #replace(name: string, text: string, operation: string, done: (bytes: number) => void): boolean {
    try {
      writeFileAtomicSync(path.join(this.dir, name), text);
      done(Buffer.byteLength(text));
      return true;
    } catch (err) {
      this.onError(operation, (err as Error).message);
      return false;
    }
  }

  /** One audit.jsonl line: `timestamp`, `event`, then the fields (bigint values as decimal strings). */
  auditLine(nowMs: number, event: string, fields: Record<string, unknown> | undefined): string {
    const o = { timestamp: formatTimestamp(msToNs(nowMs)), event, ...fields };
    return `${JSON.stringify(o, bigintSafe)}\n`;
  }

  /** Appends an audit line, first halving the file when the line would pass the audit cap. */
  appendAudit(line: string, nowMs: number): void {
    const n = Buffer.byteLength(line);
    if (this.auditBytes + n > this.auditMaxBytes) this.#truncateAudit(nowMs);
    try {
      appendSync(path.join(this.dir, AUDIT_FILE), line);
      this.auditBytes += n;
      this.diskBytes += n;
    } catch (err) {
      this.auditDropped++;
      this.onError('append audit line', (err as Error).message);
    }
  }

  /** Keeps the newest events that fill half the audit cap, behind an `audit_truncated` marker. */
  #truncateAudit(nowMs: number): void {
    let lines: string[];
    try {
      lines = fs
        .readFileSync(path.join(this.dir, AUDIT_FILE), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    } catch (err) {
      this.onError('read audit.jsonl', (err as Error).message);
      return;
    }
    const keep: string[] = [];
    let size = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      const n = Buffer.byteLength(lines[i]!) + 1;
      if (size + n > this.auditMaxBytes / 2) break;
      keep.push(lines[i]!);
      size += n;
    }
    keep.reverse();
    const dropped = lines.length - keep.length;
    const marker = this.auditLine(nowMs, 'audit_truncated', { dropped_events: dropped });
    const ok = this.#replace(
      AUDIT_FILE,
      marker + keep.map((l) => `${l}\n`).join(''),
      'truncate audit.jsonl',
      (n) => {
        this.diskBytes += n - this.auditBytes;
        this.auditBytes = n;
      },
    );
    if (ok) this.auditDropped += dropped;
  }
}
