import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runRedactCommand } from './cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redact-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin = '', env: Record<string, string> = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runRedactCommand(argv, { stdin: Readable.from([stdin]), stdout, stderr, env, cwd: dir });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const SECRET_LOG = [
  'INFO start',
  'user jane@example.com logged in',
  'db url postgres://app:Sup3rS3cret@db:5432/app',
  'ok',
].join('\n');

describe('redact mode', () => {
  it('redacts stdin to stdout', async () => {
    const r = await run([], 'mail a@b.io from 10.0.0.1\n');
    expect(r).toEqual({ code: 0, stdout: 'mail [REDACTED:email] from [REDACTED:ipv4]\n', stderr: '' });
  });

  it('concatenates files and "-" in order, keeping bytes that need no change', async () => {
    await writeFile(join(dir, 'a.log'), 'first a@b.io\r\nno newline at end');
    const r = await run(['a.log', '-'], 'from stdin c@d.io\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('first [REDACTED:email]\r\nno newline at endfrom stdin [REDACTED:email]\n');
  });

  it('applies --rules, --allow and --patterns', async () => {
    await writeFile(
      join(dir, 'p.yaml'),
      'rules:\n  - name: order_id\n    pattern: ORD-\\d+\nallow: ["@example\\\\.com$"]\n',
    );
    const r = await run(
      ['--rules', 'email,-ipv4', '--patterns', 'p.yaml', '--allow', '^b@'],
      'a@example.com b@x.io c@x.io ORD-42 10.0.0.1\n',
    );
    expect(r.stdout).toBe('a@example.com b@x.io [REDACTED:email] [REDACTED:order_id] 10.0.0.1\n');
  });

  it('hashes with a key from the environment or a file', async () => {
    await writeFile(join(dir, 'key'), `${'x'.repeat(32)}\n`);
    const env = await run(['--rules', 'email', '--hash-key-env', 'K'], 'a@b.io\n', { K: 'x'.repeat(32) });
    const file = await run(['--rules', 'email', '--hash-key-file', 'key'], 'a@b.io\n');
    expect(env.stdout).toMatch(/^\[REDACTED:email:[0-9a-f]{8}\]\n$/);
    expect(file.stdout).toBe(env.stdout);
  });

  it('writes a JSON summary to stderr with --json', async () => {
    const r = await run(['--json'], 'a@b.io c@d.io\n');
    const summary = JSON.parse(r.stderr);
    expect(summary).toMatchObject({ files: 1, lines: 1, findings: 2, byRule: { email: 2 } });
    expect(summary.policyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rewrites files in place, only when something changed, keeping the mode', async () => {
    const secret = join(dir, 'secret.log');
    const clean = join(dir, 'clean.log');
    await writeFile(secret, SECRET_LOG, { mode: 0o640 });
    await writeFile(clean, 'nothing here\n');
    const before = await stat(clean);
    const r = await run(['--in-place', 'secret.log', 'clean.log']);
    expect(r.code).toBe(0);
    const text = await readFile(secret, 'utf8');
    expect(text).not.toContain('Sup3rS3cret');
    expect(text).not.toContain('jane@example.com');
    expect(text.split('\n')).toHaveLength(4);
    expect((await stat(secret)).mode & 0o777).toBe(0o640);
    expect((await stat(clean)).mtimeMs).toBe(before.mtimeMs);
  });
});

describe('--check', () => {
  it('prints file:line:column:rule, never the value, and exits 1', async () => {
    await writeFile(join(dir, 'check.log'), SECRET_LOG);
    const r = await run(['--check', 'check.log']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('check.log:2:6:email\ncheck.log:3:19:url_credentials\n');
    expect(r.stdout + r.stderr).not.toContain('Sup3rS3cret');
    expect(r.stdout + r.stderr).not.toContain('jane@');
    expect(r.stderr).toContain('2 finding(s) in 1 file(s)');
  });

  it('exits 0 and prints nothing for clean input', async () => {
    expect(await run(['--check'], 'all clean\n')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('counts columns in characters, not UTF-16 units', async () => {
    const r = await run(['--check'], '😀😀 a@b.io\n');
    expect(r.stdout).toBe('<stdin>:1:4:email\n');
  });

  it('emits JSON with --json', async () => {
    await writeFile(join(dir, 'j.log'), SECRET_LOG);
    const r = await run(['--check', '--json', 'j.log']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.findings).toEqual([
      { file: 'j.log', line: 2, column: 6, rule: 'email' },
      { file: 'j.log', line: 3, column: 19, rule: 'url_credentials' },
    ]);
    expect(report.summary).toMatchObject({
      files: 1,
      lines: 4,
      findings: 2,
      byRule: { email: 1, url_credentials: 1 },
    });
    expect(r.stdout).not.toContain('Sup3rS3cret');
  });

  it('reports a private key once, at its first line', async () => {
    const r = await run(['--check'], 'a\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    expect(r.stdout).toBe('<stdin>:2:1:private_key\n');
  });

  it('skips binary files with a note', async () => {
    await writeFile(join(dir, 'bin.dat'), Buffer.from([0x61, 0x00, 0x40, 0x62, 0x2e, 0x69, 0x6f]));
    const r = await run(['--check', 'bin.dat']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped binary file bin.dat');
  });
});

describe('errors and help', () => {
  it('exits 2 with a message for unknown rules, flags, files and bad pattern files', async () => {
    const unknown = await run(['--rules', 'emial']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown redaction rule "emial"');
    expect(unknown.stderr).toContain('did you mean "email"?');

    const flag = await run(['--frobnicate']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--frobnicate'");

    const missing = await run(['nope.log']);
    expect(missing).toMatchObject({
      code: 2,
      stderr: 'logtap-redact: nope.log: file not found\nTry --help.\n',
    });

    await writeFile(join(dir, 'bad.yaml'), '- name: bad\n  pattern: "(x"\n');
    const bad = await run(['--patterns', 'bad.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(join(dir, 'bad.yaml'));
    expect(bad.stderr).toContain('rule #1 "bad": does not compile as RE2');
  });

  it('rejects contradictory options', async () => {
    expect((await run(['--check', '--in-place', 'x'])).stderr).toContain('exclude each other');
    expect((await run(['--in-place'])).stderr).toContain('needs FILE arguments');
    expect((await run(['--hash-key-env', 'MISSING'])).stderr).toContain('MISSING is not set');
    expect((await run(['--hash-key-env', 'K'], '', { K: 'short' })).stderr).toContain(
      'at least 16 random bytes',
    );
  });

  it('prints help and the rule list', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: logtap-redact');
    const list = await run(['--list-rules']);
    expect(list.stdout).toMatch(/^private_key +secrets +PEM private key blocks/);
    const json = JSON.parse((await run(['--list-rules', '--json'])).stdout);
    expect(json.rules.map((r: { name: string }) => r.name)).toContain('iban');
    expect(json.groups).toEqual(['all', 'secrets', 'pii', 'network']);
  });
});
