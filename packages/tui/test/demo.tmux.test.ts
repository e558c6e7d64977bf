import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { TmuxSession, tmuxAvailable } from '../src/testing/tmux.js';
import { stringWidth } from '../src/width.js';

const here = dirname(fileURLToPath(import.meta.url));
let session: TmuxSession | undefined;
afterEach(async () => {
  await session?.kill();
  session = undefined;
});

async function start(script: string, args = ''): Promise<TmuxSession> {
  expect(await tmuxAvailable()).toBe(true);
  session = await TmuxSession.start({ command: `node ${join(here, script)} ${args}`, cols: 120, rows: 40 });
  return session;
}

describe('live view in a real terminal (tmux)', () => {
  it('shows stats and lines, searches, filters, opens help, writes and quits with q', async () => {
    const t = await start('demo-live.mjs', '100');
    let screen = await t.waitFor(
      (s) => s.includes('Top talkers') && s.includes('payments') && /\d\d:\d\d:\d\d\.\d{3}/.test(s),
      {
        what: 'the live view',
      },
    );
    expect(screen).toContain('logtap v0.1.0 │ 127.0.0.1:3100 │ ./demo-capture');
    expect(screen).toMatch(/Lines\/s\s+\d/);
    expect(screen).toContain('on (2 rules, 3 redacted)');
    // Rows hold CJK and emoji: every row still fits the 120 columns, and cut rows end with the marker.
    for (const row of screen.split('\n')) expect(stringWidth(row)).toBeLessThanOrEqual(120);
    expect(screen).toContain('注文');
    expect(screen).toMatch(/x{20,}»/);

    await t.type('/ERROR');
    await t.keys('Enter');
    screen = await t.waitFor((s) => /SEARCH \/ERROR\/ \[\d+\/\d+\]/.test(s), { what: 'search badge' });
    expect(screen).toMatch(/▶ \d\d:\d\d:\d\d\.\d{3} \S+\s+ERROR payment declined/);

    await t.type('/!debug');
    await t.keys('Enter');
    screen = await t.waitForText('HIDE /debug/');
    expect(screen).not.toContain('cache miss');

    await t.keys('?');
    await t.waitForText('keys — press any key to close');
    // Two Escapes sent together read as one Alt+Escape (as in any terminal): send them apart.
    await t.keys('x', 'Escape');
    await t.waitForText('search cleared');
    await t.keys('Escape');
    screen = await t.waitForText('removed HIDE /debug/');
    expect(screen).not.toContain('SEARCH /ERROR/');
    expect(screen).toContain('cache miss');

    await t.keys('G', 'w', 'C-u');
    await t.type('out-dir');
    await t.keys('Enter');
    await t.waitForText('lines to out-dir');

    await t.keys('q');
    const { code, screen: last } = await t.waitForExit();
    expect(code).toBe(0);
    expect(last).toMatch(/demo: quit after \d+ lines; writes \[\{"dir":"out-dir","lines":\d+\}\]/);
  });

  it('redraws on resize, explains below 80x24, and quits with Ctrl+C', async () => {
    const t = await start('demo-live.mjs', '10');
    await t.waitForText('Top talkers');
    await t.resize(70, 20);
    await t.waitForText('logtap needs 80x24');
    await t.resize(80, 24);
    const screen = await t.waitFor((s) => s.includes('Top talkers') && s.includes('FOLLOW'), {
      what: 'redraw at 80x24',
    });
    const rows = screen.split('\n');
    // The status bar is on the last of the 24 rows: the layout follows the new size.
    expect(rows[23]).toContain('FOLLOW');
    for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(80);
    await t.keys('C-c');
    const exit = await t.waitForExit();
    expect(exit.code).toBe(0);
    expect(exit.screen).toContain('demo: quit after');
  });
});

describe('replay view in a real terminal (tmux)', () => {
  it('picks services, pauses with space, speeds up with ] and finishes', async () => {
    const t = await start('demo-replay.mjs');
    await t.waitForText('services (3/3 selected)');
    await t.keys('Space', 'Enter');
    let screen = await t.waitFor((s) => /speed 1x/.test(s) && /@ 2026-/.test(s), { what: 'replay at 1x' });
    expect(screen).toContain('SERVICES 2/3');
    await t.keys('Space');
    screen = await t.waitForText('PAUSED');
    const at = /(\d+)\/\d+ lines/.exec(screen)![1];
    await new Promise((r) => setTimeout(r, 600));
    expect(/(\d+)\/\d+ lines/.exec(await t.capture())![1]).toBe(at);
    await t.keys('Space', ']', ']', ']', ']', ']', ']');
    await t.waitForText('speed 64x');
    screen = await t.waitForText('DONE in', { timeoutMs: 20_000 });
    expect(screen).toContain('100%');
    await t.keys('q');
    expect((await t.waitForExit()).code).toBe(0);
  });
});
