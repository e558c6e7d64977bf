// End-to-end test of the live view of `logtap recv` in a real terminal (tmux): lines pushed over the
// Loki protobuf and JSON wire formats appear with their stats, search and filter keys work, and q stops
// the receiver gracefully with the capture finalised. A second Ctrl-C (the key while the receiver
// stops, or two SIGINTs) exits at once with the terminal back on its normal screen.
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { openCapture, readEntries } from '@logtap/capture';
import { encodePushJson, encodePushProtobuf, type PushStream } from '@logtap/protocol';
import { TmuxSession, tmuxAvailable } from '@logtap/tui/testing';
import { BIN, removeDir, tempDir } from './helpers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function streams(app: string, n: number, msg: (i: number) => string): PushStream[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return [
    {
      labels: { app, namespace: 'load' },
      entries: Array.from({ length: n }, (_, i) => ({ ts: now + BigInt(i), line: msg(i) })),
    },
  ];
}

async function push(url: string, body: Uint8Array | string, contentType: string): Promise<void> {
  const res = await fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  expect(res.status).toBe(204);
}

describe('logtap recv live view in a real terminal (tmux)', () => {
  it('shows stats, top talkers and lines; searches and filters with keys; q finalises the capture', async () => {
    expect(await tmuxAvailable()).toBe(true);
    const tmp = tempDir();
    cleanup.push(() => removeDir(tmp));
    const dir = join(tmp, 'capture');
    const t = await TmuxSession.start({
      command: `node ${BIN} recv --listen 127.0.0.1:0 --dir ${dir}`,
      cols: 120,
      rows: 40,
    });
    cleanup.push(() => t.kill());
    let screen = await t.waitFor((s) => /logtap v\S+ │ http:\/\/127\.0\.0\.1:\d+ │ /.test(s), {
      what: 'the header',
      timeoutMs: 20_000,
    });
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(screen)![1]!;
    expect(screen).toContain('OFF: stored as received');

    await push(
      url,
      encodePushProtobuf(
        streams('checkout', 50, (i) => (i % 10 === 0 ? `ERROR order ${i} failed` : `order ${i} ok`)),
      ),
      'application/x-protobuf',
    );
    await push(
      url,
      encodePushJson(streams('payments', 20, (i) => `payment ${i} settled`)),
      'application/json',
    );
    screen = await t.waitFor((s) => /total 70\b/.test(s) && s.includes('payment 19 settled'), {
      what: '70 lines',
    });
    expect(screen).toMatch(/checkout\s+\S+\s+50/);
    expect(screen).toMatch(/payments\s+\S+\s+20/);
    expect(screen).toMatch(/\d\d:\d\d:\d\d\.\d{3} checkout\s+ERROR order 40 failed/);

    await t.type('/ERROR');
    await t.keys('Enter');
    screen = await t.waitFor((s) => /SEARCH \/ERROR\/ \[\d\/5\]/.test(s), { what: 'search badge' });
    await t.keys('n');
    await t.type('/!checkout');
    await t.keys('Enter');
    screen = await t.waitForText('HIDE /checkout/');
    expect(screen).not.toMatch(/order \d+ ok/);
    expect(screen).toContain('payment 0 settled');

    await t.keys('q');
    const exit = await t.waitForExit({ timeoutMs: 20_000 });
    expect(exit.code).toBe(0);
    expect(exit.screen).toContain('logtap recv: summary received=70 written=70 dropped=0');
    const cap = await openCapture(dir);
    expect(cap.live).toBe(false);
    expect(cap.metadata?.state).toBe('stopped');
    let n = 0;
    for await (const _ of readEntries(cap)) n++;
    expect(n).toBe(70);
  });

  it('--headless keeps the progress lines in a terminal', async () => {
    const tmp = tempDir();
    cleanup.push(() => removeDir(tmp));
    const t = await TmuxSession.start({
      command: `node ${BIN} recv --headless --listen 127.0.0.1:0 --dir ${join(tmp, 'capture')}`,
      cols: 120,
      rows: 40,
    });
    cleanup.push(() => t.kill());
    await t.waitForText('logtap recv: listening on', { timeoutMs: 20_000 });
    await t.keys('C-c');
    const exit = await t.waitForExit({ timeoutMs: 20_000 });
    expect(exit.code).toBe(0);
    expect(exit.screen).toContain('logtap recv: summary');
  });

  /** recv in tmux with a push held open (headers sent, body not), so that stopping waits for it. */
  async function recvStuckStopping(): Promise<{ t: TmuxSession; url: string; dir: string }> {
    const tmp = tempDir();
    cleanup.push(() => removeDir(tmp));
    const dir = join(tmp, 'capture');
    const t = await TmuxSession.start({
      command: `node ${BIN} recv --listen 127.0.0.1:0 --dir ${dir}`,
      cols: 100,
      rows: 30,
      shellAfterExit: true,
    });
    cleanup.push(() => t.kill());
    const screen = await t.waitFor((s) => /logtap v\S+ │ http:\/\/127\.0\.0\.1:\d+ │ /.test(s), {
      what: 'the header',
      timeoutMs: 20_000,
    });
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(screen)![1]!;
    const { hostname, port } = new URL(url);
    const held: Socket = connect(Number(port), hostname);
    cleanup.push(() => {
      held.destroy();
    });
    held.on('error', () => held.destroy());
    held.write(
      'POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    await t.waitFor((s) => /In-flight\s+1\b/.test(s), { what: 'the push in flight' });
    expect(await t.modes()).toMatchObject({ alternate: true, cursorVisible: false });
    return { t, url, dir };
  }

  async function expectNormalScreen(t: TmuxSession): Promise<string> {
    const exit = await t.waitForExit({ timeoutMs: 10_000 });
    expect(exit.code).toBe(130);
    expect(await t.modes()).toEqual({
      alternate: false,
      cursorVisible: true,
      mouse: false,
      keypadCursor: false,
    });
    await t.typeAndRun();
    return exit.screen;
  }

  it('Ctrl+C twice (keys: the second while the receiver stops) exits at once, on the normal screen', async () => {
    const { t } = await recvStuckStopping();
    await t.keys('C-c');
    await t.waitForText('stopping the receiver');
    await t.keys('C-c');
    const screen = await expectNormalScreen(t);
    expect(screen).toContain(
      'logtap recv: Ctrl-C again: exiting now; the capture will be recovered when next opened',
    );
  });

  it('a second SIGINT (kill -INT) while the view is still up exits at once, on the normal screen', async () => {
    const { t } = await recvStuckStopping();
    const pid = await t.commandPid();
    process.kill(pid, 'SIGINT');
    // (Two signals sent back to back may reach the process as one: a user's second Ctrl-C comes later.)
    await t.waitForText('stopping the receiver');
    process.kill(pid, 'SIGINT');
    const screen = await expectNormalScreen(t);
    expect(screen).toContain('logtap recv: SIGINT again: exiting now');
  });
});
