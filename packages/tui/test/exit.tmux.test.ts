// The terminal is given back in its normal state however a view ends: q, Ctrl+C as a key, SIGINT and
// SIGTERM (blessed's default handlers), a hard process.exit while the screen is up, a hard exit that
// prints its last words after restoreTerminals(), SIGHUP (default action: terminated) and an uncaught
// error; and the replay view of `logtap open`. After each: not on the alternate screen, cursor shown, no mouse or keypad mode, and a command
// typed into the shell echoes and runs (cooked mode).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { TmuxSession, tmuxAvailable } from '../src/testing/tmux.js';

const here = dirname(fileURLToPath(import.meta.url));
const sessions: TmuxSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.kill();
});

async function start(
  mode = 'none',
  script = 'demo-exit.mjs',
  ready = 'demo-exit ready',
): Promise<TmuxSession> {
  expect(await tmuxAvailable()).toBe(true);
  const t = await TmuxSession.start({
    command: `node ${join(here, script)} ${mode}`,
    cols: 100,
    rows: 30,
    shellAfterExit: true,
  });
  sessions.push(t);
  await t.waitForText(ready);
  expect(await t.modes()).toMatchObject({ alternate: true, cursorVisible: false });
  return t;
}

/** The exit code, after checking that the pane is back to normal and a typed command runs. */
async function expectNormalAfterExit(t: TmuxSession): Promise<{ code: number; screen: string }> {
  const exit = await t.waitForExit();
  expect(await t.modes()).toEqual({
    alternate: false,
    cursorVisible: true,
    mouse: false,
    keypadCursor: false,
  });
  await t.typeAndRun();
  return exit;
}

describe('the terminal is restored whatever way a view exits (tmux)', () => {
  it.each([
    ['q', 'q'],
    ['Ctrl+C as a key', 'C-c'],
  ])('%s', async (_name, key) => {
    const t = await start();
    await t.keys(key);
    const exit = await expectNormalAfterExit(t);
    expect(exit.code).toBe(0);
    expect(exit.screen).toContain('demo-exit: quit');
  });

  it.each([
    ['SIGINT (blessed exits 0)', 'none', 'SIGINT', 0],
    ['SIGTERM (blessed exits 0)', 'none', 'SIGTERM', 0],
    ['SIGHUP (default action, 129)', 'none', 'SIGHUP', 129],
    ['process.exit(130) with the screen up', 'hard', 'SIGINT', 130],
    ['an uncaught error', 'throw', 'SIGUSR2', 1],
  ] as const)('%s', async (_name, mode, signal, code) => {
    const t = await start(mode);
    process.kill(await t.commandPid(), signal);
    const exit = await expectNormalAfterExit(t);
    expect(exit.code).toBe(code);
    if (mode === 'throw') expect(exit.screen).toContain('Error: demo-exit: boom');
  });

  it('restoreTerminals() before a hard exit: the last words land on the normal screen', async () => {
    const t = await start('hard-print');
    process.kill(await t.commandPid(), 'SIGINT');
    const exit = await expectNormalAfterExit(t);
    expect(exit.code).toBe(130);
    expect(exit.screen).toContain('demo-exit: second signal: exiting at once');
    // The alternate screen's content is gone from the normal one.
    expect(exit.screen).not.toContain('demo-exit ready');
  });

  it.each([
    ['Ctrl+C as a key', 'key', 0],
    ['SIGHUP', 'SIGHUP', 129],
    ['SIGTERM', 'SIGTERM', 0],
  ] as const)('the replay view (logtap open): %s', async (_name, how, code) => {
    const t = await start('0', 'demo-replay.mjs', 'services (3/3 selected)');
    await t.keys('Enter');
    await t.waitForText('DONE in');
    if (how === 'key') await t.keys('C-c');
    else process.kill(await t.commandPid(), how);
    expect((await expectNormalAfterExit(t)).code).toBe(code);
  });
});
