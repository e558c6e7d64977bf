import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

describe('logtap CLI', () => {
  test('--help lists the product and exits 0', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Ephemeral log mirror for Kubernetes load testing');
    expect(stdout).toMatch(/USAGE\s+\$ logtap/);
  });

  test('--version prints the package version', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout).toMatch(/^logtap\/\d+\.\d+\.\d+ /);
  });

  test('an unknown command exits non-zero with a message naming it', async () => {
    await expect(run(process.execPath, [bin, 'no-such-command'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no-such-command'),
    });
  });
});
