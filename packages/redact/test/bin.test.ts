// End-to-end: the built `logtap-redact` bin as CI runs it (build first: pnpm --filter @logtap/redact build).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const PKG = join(import.meta.dirname, '..');
/** The committed shim package.json's "bin" points at; it imports the built dist/bin.js. */
const BIN = join(PKG, 'bin', 'logtap-redact.js');
let dir: string;

beforeAll(async () => {
  const built = join(PKG, 'dist', 'bin.js');
  if (!existsSync(built))
    throw new Error(`${built} is missing: run "pnpm --filter @logtap/redact build" first`);
  dir = await mkdtemp(join(tmpdir(), 'redact-bin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bin(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('logtap-redact (built bin)', () => {
  it('is linked from a committed, executable shim (pnpm links it before dist/ exists)', () => {
    const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      files: string[];
    };
    expect(pkg.bin).toEqual({ 'logtap-redact': 'bin/logtap-redact.js' });
    expect(pkg.files).toContain('bin');
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    expect(readFileSync(BIN, 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n[\s\S]*import '\.\.\/dist\/bin\.js';/,
    );
  });

  it('redacts stdin to stdout', async () => {
    const r = await bin([], 'login jane@example.com from 10.1.2.3 token=abc123\n');
    expect(r).toEqual({
      code: 0,
      stdout: 'login [REDACTED:email] from [REDACTED:ipv4] token=[REDACTED:secret_kv]\n',
      stderr: '',
    });
  });

  it('--check exits 1 with findings and never prints the secret', async () => {
    await writeFile(join(dir, 'app.log'), 'ok\nAuthorization: Bearer s3cr3tT0ken99\n');
    const r = await bin(['--check', 'app.log']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('app.log:2:23:bearer\n');
    expect(r.stdout + r.stderr).not.toContain('s3cr3tT0ken99');
  });

  it('--check exits 0 on clean files', async () => {
    await writeFile(join(dir, 'clean.log'), 'nothing to see\n');
    expect((await bin(['--check', 'clean.log'])).code).toBe(0);
  });

  it('exits 2 on usage errors', async () => {
    const r = await bin(['--rules', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown redaction rule "nope"');
  });

  it('stops quietly when the reader goes away (| head)', async () => {
    const child = spawn(process.execPath, [BIN], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.once('data', () => child.stdout.destroy());
    const line = 'a@b.io padding padding padding padding\n';
    child.stdin.on('error', () => undefined); // the child may exit before all input is written
    child.stdin.end(line.repeat(200_000));
    const code = await new Promise((done) => child.on('close', done));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});
