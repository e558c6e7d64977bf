/**
 * Synchronous file-system helpers for the writer's background thread: atomic rewrites, full writes,
 * directory usage, free space and the single-writer lock.
 */

import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { CaptureIoError, CaptureLockedError } from './errors.js';
import { LOCK_FILE, TEMP_SUFFIX } from './names.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Writes all of `data` at `position` (pwrite loop: a regular file may accept a short write). */
export function writeAllSync(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    done += fs.writeSync(fd, data, done, data.length - done, position + done);
  }
}

/**
 * Replaces `file` with `content` atomically: write `file.tmp` (0600), fsync it, rename over `file`. A reader
 * or a crash sees the old or the new content, never a mix.
 */
export function writeFileAtomicSync(file: string, content: string | Uint8Array): void {
  const tmp = file + TEMP_SUFFIX;
  const fd = fs.openSync(tmp, 'w', FILE_MODE);
  try {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    writeAllSync(fd, data, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Appends `data` with O_APPEND (one write call per line batch). */
export function appendSync(file: string, data: string): void {
  fs.appendFileSync(file, data, { mode: FILE_MODE });
}

/** Apparent size (st_size) of every regular file directly in `dir`, by name. */
export function scanDirSizes(dir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!d.isFile()) continue;
    try {
      sizes.set(d.name, fs.statSync(path.join(dir, d.name)).size);
    } catch {
      // Removed between readdir and stat: it no longer counts.
    }
  }
  return sizes;
}

/** Sum of a {@link scanDirSizes} result. */
export function totalSize(sizes: Map<string, number>): number {
  let n = 0;
  for (const s of sizes.values()) n += s;
  return n;
}

/** Bytes available to an unprivileged user on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Creates `dir` (and parents) with mode 0700 when missing. */
export function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw new CaptureIoError(dir, 'create the capture directory', { cause: err });
  }
}

function pidAlive(pid: number): boolean {
  try {
    // Signal 0 only probes for existence (and permission); nothing is delivered.
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's writer lock (`.logtap.lock`, holding `<pid> <host> <iso time>`). A lock left by a
 * process that no longer runs on this host is taken over; a live one throws {@link CaptureLockedError}.
 */
export function acquireLock(dir: string, startedIso: string): string {
  const file = path.join(dir, LOCK_FILE);
  const me = `${process.pid} ${hostname()} ${startedIso}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', FILE_MODE);
      try {
        writeAllSync(fd, Buffer.from(me), 0);
      } finally {
        fs.closeSync(fd);
      }
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CaptureIoError(file, 'create the writer lock', { cause: err });
      }
    }
    let owner = '';
    try {
      owner = fs.readFileSync(file, 'utf8').trim();
    } catch {
      continue; // removed meanwhile: retry the exclusive create
    }
    const [pidText, host] = owner.split(' ');
    const pid = Number(pidText);
    const stale = !Number.isInteger(pid) || pid <= 0 || (host === hostname() && !pidAlive(pid));
    if (!stale || pid === process.pid) {
      throw new CaptureLockedError(dir, `${owner}; delete ${file} if no writer is running`);
    }
    try {
      fs.unlinkSync(file);
    } catch {
      // Someone else took it over first; the next exclusive create decides.
    }
  }
  throw new CaptureLockedError(dir, `lock ${file} could not be taken`);
}

/** Removes the lock taken by {@link acquireLock}. */
export function releaseLock(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone (the directory was removed): nothing to release.
  }
}

/**
 * Removes the directory's lock if this process holds it (after the writer thread failed, so the directory
 * can be reopened — and recovered — without restarting the process).
 */
export function releaseOwnLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  try {
    const [pid, host] = fs.readFileSync(file, 'utf8').split(' ');
    if (Number(pid) === process.pid && host === hostname()) fs.unlinkSync(file);
  } catch {
    // No lock, or not readable: nothing of ours to release.
  }
}
