import { describe, expect, it } from '@jest/globals';
import { type AppState, createAppState, reduceKey } from './app-state.js';
import { DEFAULT_ATTR, Grid } from './grid.js';
import { layoutLive, layoutReplay } from './layout-views.js';
import { appendLines } from './log-view.js';
import { createReplay, released } from './replay-model.js';
import { LineRing } from './ring.js';
import { createStats, type LiveStats, sample } from './stats.js';
import { stringWidth } from './width.js';

const header = { version: '0.1.0', listen: '127.0.0.1:3100', captureDir: './capture' };
const stats = (over: Partial<LiveStats> = {}) => {
  const base: LiveStats = {
    inFlight: 2,
    lines: 0,
    bytes: 0,
    dropped: 0,
    diskBytes: 512 * 1024 * 1024,
    diskCapBytes: 1024 * 1024 * 1024,
    redaction: { enabled: true, rules: ['email', 'jwt'], hits: 12 },
    services: new Map([['api', 0]]),
    ...over,
  };
  let m = sample(createStats(), base, 0);
  m = sample(m, { ...base, lines: 1500, bytes: 150_000, services: new Map([['api', 1500]]), ...over }, 1000);
  return m;
};

function state(msgs: string[], rows = 24): AppState {
  const ring = new LineRing();
  const s = createAppState({ ring, height: rows - 9 });
  const entries = msgs.map((msg, i) => ({
    ts: 1_772_721_125_000_000_000n + BigInt(i),
    labels: { app: 'api' },
    msg,
  }));
  return { ...s, view: appendLines(s.view, ring.push(entries)) };
}

/** Every row of a grid is exactly `width` columns once joined (wide characters count 2). */
function expectAligned(g: Grid): void {
  for (let y = 0; y < g.height; y++) expect(stringWidth(g.rowText(y))).toBe(g.width);
}

describe('Grid', () => {
  it('puts wide characters in two cells and keeps combining marks with their base', () => {
    const g = new Grid(10, 1);
    g.put(0, 0, '日e\u0301x');
    expect(g.cells[0]!.slice(0, 4).map((c) => c.ch)).toEqual(['日', '', 'e\u0301', 'x']);
    expectAligned(g);
  });
  it('clips at the edge without half a wide character and repairs overwritten halves', () => {
    const g = new Grid(5, 1);
    expect(g.put(0, 0, 'ab日本')).toBe(4);
    expect(g.rowText(0)).toBe('ab日 ');
    g.put(3, 0, 'Z');
    expect(g.rowText(0)).toBe('ab Z ');
    expectAligned(g);
    g.put(0, 0, '日本語');
    expect(g.rowText(0)).toBe('日本 ');
    expect(g.cells[0]![4]!.attr).toBe(DEFAULT_ATTR);
  });
});

describe('layoutLive', () => {
  it('draws header, stats, top talkers, log lines and status bar at 80x24', () => {
    const g = layoutLive(state(['hello', 'ERROR boom']), stats(), header, 80, 24);
    const t = g.text();
    expect(g.rowText(0)).toContain('logtap v0.1.0 │ 127.0.0.1:3100 │ ./capture');
    expect(t).toMatch(/In-flight\s+2/);
    expect(t).toMatch(/Lines\/s\s+1\.5k/);
    expect(t).toMatch(/Bytes\/s\s+146 KiB\/s/);
    expect(t).toContain('[#####-----] 512 MiB/1.0 GiB');
    expect(t).toMatch(/Dropped\s+0/);
    expect(t).toContain('on (2 rules, 12 redacted)');
    expect(t).toMatch(/api\s+1\.5k\s+1\.5k/);
    expect(t).toMatch(/14:32:05\.000 api\s+hello/);
    expect(g.rowText(23)).toContain('FOLLOW');
    expectAligned(g);
  });
  it('warns when redaction is off and shows drops', () => {
    const t = layoutLive(
      state([]),
      stats({ dropped: 42, redaction: { enabled: false } }),
      header,
      80,
      24,
    ).text();
    expect(t).toContain('OFF: stored as received');
    expect(t).toMatch(/Dropped\s+42/);
  });
  it('shows a remote link on the logs rule: green when up, red when down', () => {
    const up = layoutLive(
      state([]),
      stats({ connection: { ok: true, text: 'live via 127.0.0.1:3100' } }),
      header,
      80,
      24,
    );
    expect(up.rowText(7)).toMatch(/^── logs ─+ ● live via 127\.0\.0\.1:3100 ─$/);
    expectAligned(up);
    const text =
      'DISCONNECTED: reconnecting for 12s (attempt 4: connect ECONNREFUSED 127.0.0.1:3100) '.repeat(2);
    const down = layoutLive(state([]), stats({ connection: { ok: false, text } }), header, 80, 24);
    expect(down.rowText(7)).toContain('✖ DISCONNECTED: reconnecting for 12s');
    expect(down.rowText(7).startsWith('── logs ─')).toBe(true);
    const x = down.rowText(7).indexOf('✖');
    expect(down.cells[7]![x]!.attr).not.toBe(up.cells[7]![up.rowText(7).indexOf('●')]!.attr);
    expectAligned(down);
    expect(layoutLive(state([]), stats(), header, 80, 24).rowText(7)).toMatch(/^── logs ─+$/);
  });
  it('cuts long and wide lines at the edge without breaking characters', () => {
    const g = layoutLive(
      state([`${'日本語'.repeat(40)}`, `${'x'.repeat(300)}`, 'a😀b\u0301c\x1b[2Jz']),
      stats(),
      header,
      80,
      24,
    );
    expectAligned(g);
    const t = g.text();
    expect(t).toContain('»');
    expect(t).toContain('a😀b\u0301c␛[2Jz');
  });
  it('highlights search hits and marks the focus', () => {
    let s = state(['one match here', 'nothing']);
    for (const name of ['/', 'm', 'a', 't', 'c', 'h', 'enter']) s = reduceKey(s, { name }, 0).state;
    const g = layoutLive(s, stats(), header, 80, 24);
    const y = g.cells.findIndex((row) => row.some((c) => c.ch === '▶'));
    expect(g.rowText(y)).toContain('one match here');
    const hl = g.cells[y]!.filter((c) => c.attr !== g.cells[y]!.at(-1)!.attr && 'match'.includes(c.ch));
    expect(hl.length).toBeGreaterThanOrEqual(5);
  });
  it('shows a clear message below 80x24 and resizes cleanly', () => {
    expect(layoutLive(state(['x']), stats(), header, 79, 24).text()).toContain('logtap needs 80x24');
    expect(layoutLive(state(['x']), stats(), header, 80, 23).text()).toContain('terminal 80x23');
    const big = layoutLive(state(['x'], 50), stats(), header, 200, 50);
    expectAligned(big);
  });
  it('draws the help overlay and prompts in the status bar', () => {
    let s = reduceKey(state(['x']), { name: '?' }, 0).state;
    expect(layoutLive(s, stats(), header, 80, 24).text()).toContain('keys — press any key to close');
    s = reduceKey(reduceKey(state(['x']), { name: 'escape' }, 0).state, { name: 'l' }, 0).state;
    s = reduceKey(s, { name: 'a' }, 0).state;
    expect(layoutLive(s, stats(), header, 80, 24).rowText(23)).toContain('label key=value: a');
  });
});

describe('layoutReplay', () => {
  it('shows header span, progress, position and speed', () => {
    let s = state(['x', 'y']);
    let m = createReplay({ now: 0, total: 4, speed: 10 });
    m = released(released(m, 1_772_721_125_000_000_000n), 1_772_721_125_000_000_000n);
    s = { ...s, replay: m };
    const g = layoutReplay(
      s,
      { captureDir: './cap', from: 1_772_721_125_000_000_000n, to: 1_772_721_185_000_000_000n, lines: 4 },
      80,
      24,
      0,
    );
    const t = g.text();
    expect(g.rowText(0)).toContain(
      'logtap open │ ./cap │ 2026-03-05T14:32:05Z — 2026-03-05T14:33:05Z │ 4 lines',
    );
    expect(t).toContain('[##########----------]  50%');
    expect(t).toContain('2/4 lines');
    expect(t).toContain('@ 2026-03-05T14:32:05.000Z');
    expect(t).toContain('speed 10x');
    expectAligned(g);
    expect(
      layoutReplay({ ...s, replay: { ...m, paused: true } }, { captureDir: 'c' }, 80, 24, 0).text(),
    ).toContain('PAUSED');
    expect(
      layoutReplay(
        { ...s, replay: { ...m, done: true, finishedAt: 3200 } },
        { captureDir: 'c' },
        80,
        24,
        0,
      ).text(),
    ).toContain('DONE in 3.2s');
  });
});
