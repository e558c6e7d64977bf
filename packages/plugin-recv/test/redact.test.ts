import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { removeDir, runCli, tempDir } from './helpers.js';

// `logtap redact` is @logtap/redact's command under the logtap CLI: these check the wiring (argv, stdio,
// exit codes, help); the rules themselves are tested in @logtap/redact.
const dir = tempDir('logtap-redact-cmd-');
afterAll(() => removeDir(dir));

const SECRET_LOG =
  'user jane.doe@example.org logged in from 10.1.2.3\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln\nok\n';

describe('logtap redact', () => {
  test('redacts stdin to stdout and exits 0', async () => {
    const res = await runCli(['redact'], 20_000, { input: SECRET_LOG });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('user [REDACTED:email] logged in from [REDACTED:ipv4]');
    expect(res.stdout).not.toContain('jane.doe@example.org');
    expect(res.stdout).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(res.stdout.endsWith('ok\n')).toBe(true);
  });

  test('--check prints FILE:LINE:COLUMN:RULE without the values and exits 1; a clean file exits 0', async () => {
    const dirty = join(dir, 'dirty.log');
    const clean = join(dir, 'clean.log');
    writeFileSync(dirty, SECRET_LOG);
    writeFileSync(clean, 'nothing to see\n');
    const res = await runCli(['redact', '--check', '--rules', 'email,ipv4', dirty]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`${dirty}:1:6:email`);
    expect(res.stdout).toMatch(new RegExp(`${dirty}:1:\\d+:ipv4`));
    expect(res.stdout + res.stderr).not.toContain('jane.doe');
    const ok = await runCli(['redact', '--check', clean]);
    expect(ok.code).toBe(0);
  });

  test('--json, --in-place and keyed hashing pass through', async () => {
    const file = join(dir, 'inplace.log');
    writeFileSync(file, 'mail a.b@example.com twice a.b@example.com\n');
    const res = await runCli(
      ['redact', '--in-place', '--rules', 'email', '--hash-key-env', 'K', file],
      20_000,
      {
        env: { K: 'a-key-of-at-least-16-bytes' },
      },
    );
    expect(res.code).toBe(0);
    const out = readFileSync(file, 'utf8');
    const tags = out.match(/\[REDACTED:email:[0-9a-f]{8}\]/g);
    expect(tags).toHaveLength(2);
    expect(tags![0]).toBe(tags![1]);
    const list = await runCli(['redact', '--list-rules', '--json']);
    expect(list.code).toBe(0);
    const rules = JSON.parse(list.stdout) as { rules: Array<{ name: string }> };
    expect(rules.rules.map((r) => r.name)).toEqual(expect.arrayContaining(['email', 'jwt', 'iban']));
  });

  test('usage errors exit 2 with a message; --help is the CLI help with the options', async () => {
    const bad = await runCli(['redact', '--rules', 'nosuchrule'], 20_000, { input: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nosuchrule/);
    const help = await runCli(['redact', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--check');
    expect(help.stdout).toContain('FILE:LINE:COLUMN:RULE');
    expect(help.stdout).toContain('Exit codes: 0');
  });
});
