import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { readEntries } from '@logtap/capture';
import { TmuxSession, tmuxAvailable } from '@logtap/tui/testing';
import { makeCapture, removeCapture, sampleEntries } from './helpers.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/run.js');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function open(dir: string, args: string): Promise<TmuxSession> {
  expect(await tmuxAvailable()).toBe(true);
  const t = await TmuxSession.start({
    command: `node ${bin} open ${dir} ${args}`,
    cwd: join(dir, '..'),
    cols: 120,
    rows: 40,
  });
  cleanup.push(() => t.kill());
  return t;
}

describe('logtap open in a real terminal (tmux)', () => {
  it('picks services, replays at 1x, pauses, speeds up, finishes, writes the view and quits', async () => {
    const dir = await makeCapture(sampleEntries(600));
    cleanup.push(() => removeCapture(dir));
    const t = await open(dir, '');
    let screen = await t.waitForText('services (3/3 selected)');
    expect(screen).toMatch(
      /logtap open │ .*capture │ 2026-03-05T14:32:05Z — 2026-03-05T14:33:04Z │ 600 lines/,
    );
    // Deselect the service under the cursor (the first), start.
    await t.keys('Space', 'Enter');
    screen = await t.waitFor((s) => /speed 1x/.test(s) && /@ 2026-03-05T14:32:0/.test(s), {
      what: 'replay at 1x',
    });
    expect(screen).toContain('SERVICES 2/3');
    await t.keys('Space');
    screen = await t.waitForText('PAUSED');
    const at = /(\d+)\/600 lines/.exec(screen)![1];
    await new Promise((r) => setTimeout(r, 700));
    expect(/(\d+)\/600 lines/.exec(await t.capture())![1]).toBe(at);
    await t.keys('Space', ']', ']', ']', ']', ']', ']');
    await t.waitForText('speed 64x');
    screen = await t.waitForText('DONE in', { timeoutMs: 20_000 });
    expect(screen).toContain('100%');
    expect(screen).toContain('600/600 lines');
    // Search and filter with keys on the replayed lines.
    await t.type('/=ERROR');
    await t.keys('Enter');
    screen = await t.waitForText('KEEP /ERROR/');
    expect(screen).toMatch(/ERROR job \d+ failed/);
    expect(screen).not.toMatch(/job \d+ ok/);
    await t.keys('w', 'C-u');
    await t.type('errors-only');
    await t.keys('Enter');
    await t.waitFor((s) => /wrote \d+ lines to errors-only/.test(s), { what: 'write message' });
    await t.keys('q');
    expect((await t.waitForExit()).code).toBe(0);
    const written = [];
    for await (const e of readEntries(join(dir, '..', 'errors-only'))) written.push(e.msg);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((m) => m.startsWith('ERROR'))).toBe(true);
    expect(await readdir(join(dir, '..', 'errors-only'))).toContain('metadata.json');
  });

  it('--speed 0 --label replays at once without the picker; [ slows from max to 64x', async () => {
    const dir = await makeCapture(sampleEntries(3000));
    cleanup.push(() => removeCapture(dir));
    const t = await open(dir, '--speed 0 --label app=db');
    let screen = await t.waitForText('DONE in');
    expect(screen).not.toContain('services (');
    expect(screen).toMatch(/\s+db\s+job \d+ ok/);
    expect(screen).not.toMatch(/\s+api\s+job/);
    await t.keys('G', 'g', 'g');
    screen = await t.waitForText('job 2 ok');
    await t.keys('C-c');
    expect((await t.waitForExit()).code).toBe(0);
  });

  it('refuses a bad speed, a missing directory and a non-terminal', async () => {
    const dir = await makeCapture(sampleEntries(10));
    cleanup.push(() => removeCapture(dir));
    let t = await open(dir, '--speed fast');
    let r = await t.waitForExit();
    expect(r.code).toBe(2);
    expect(r.screen).toContain('--speed fast is not a speed');
    t = await open(join(dir, 'missing'), '');
    r = await t.waitForExit();
    expect(r.code).toBe(4);
    t = await open(dir, '< /dev/null');
    r = await t.waitForExit();
    expect(r.code).toBe(5);
    expect(r.screen).toContain('needs a terminal');
  });
});
