import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, test } from '@jest/globals';
import { TarExtractor } from './tar.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'logtap-tar-'));
  dirs.push(d);
  return d;
}

/** A ustar header block for `name` (for archives tar itself would not write). */
function header(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000600\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

describe('TarExtractor', () => {
  test('extracts what GNU tar writes: nested dirs, long names, empty and binary files; skips links', async () => {
    const src = await tmp();
    const out = await tmp();
    const long = `${'x'.repeat(150)}.jsonl.zst`;
    await mkdir(join(src, 'sub'));
    await writeFile(join(src, 'metadata.json'), '{"v":1}');
    await writeFile(join(src, 'empty'), '');
    await writeFile(join(src, 'sub', long), Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)));
    await symlink('/etc/passwd', join(src, 'evil-link'));
    const tar = spawn('tar', ['cf', '-', '-C', src, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const x = new TarExtractor(out);
    await pipeline(tar.stdout, x);
    expect(x.result.files.sort()).toEqual(['empty', 'metadata.json', `sub/${long}`]);
    expect(x.result.bytes).toBe(7 + 70_000);
    expect(x.skipped).toEqual(['evil-link']);
    expect(await readFile(join(out, 'metadata.json'), 'utf8')).toBe('{"v":1}');
    expect((await readFile(join(out, 'sub', long))).equals(await readFile(join(src, 'sub', long)))).toBe(
      true,
    );
    expect((await stat(join(out, 'metadata.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(out)).not.toContain('evil-link');
  });

  test('paths leaving the target directory are skipped, a truncated archive is an error', async () => {
    const out = await tmp();
    const body = Buffer.alloc(512);
    body.write('pwned');
    const evil = Buffer.concat([header('../escape', 5), body, header('/abs', 5), body, Buffer.alloc(1024)]);
    const x = new TarExtractor(join(out, 'cap'));
    await pipeline([evil], x);
    expect(x.skipped).toEqual(['../escape', '/abs']);
    expect(await readdir(out)).toEqual([]);
    const cut = new TarExtractor(out);
    await expect(pipeline([Buffer.concat([header('f', 2000), Buffer.alloc(100)])], cut)).rejects.toThrow(
      /ended in the middle of a file/,
    );
    const bad = header('f', 0);
    bad[0] = 'g'.charCodeAt(0);
    await expect(pipeline([bad], new TarExtractor(out))).rejects.toThrow(/checksum/);
  });
});
