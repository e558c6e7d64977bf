import { describe, expect, it } from '@jest/globals';
import type { TuiEntry } from './line.js';
import { type ReplaySource, runReplayView } from './replay-view.js';
import { FakeTerminal, waitFor } from './test-helpers/fake-terminal.js';

const S = 1_000_000_000n;
const T0 = 1_772_721_125n * S;

function source(
  entries: TuiEntry[],
  services?: Array<{ service: string; lines: number }>,
): ReplaySource & { aborted: boolean } {
  const src = {
    aborted: false,
    total: entries.length,
    async *entries(signal: AbortSignal) {
      signal.addEventListener('abort', () => {
        src.aborted = true;
      });
      for (const e of entries) {
        if (signal.aborted) return;
        yield e;
      }
    },
    ...(services ? { services: async () => services } : {}),
  };
  return src;
}

const mk = (n: number, stepNs: bigint, app = (i: number) => (i % 2 ? 'b' : 'a')): TuiEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    ts: T0 + BigInt(i) * stepNs,
    labels: { app: app(i) },
    msg: `msg ${i}`,
  }));

describe('runReplayView', () => {
  it('replays everything at max speed with constant memory and reports DONE', async () => {
    const term = new FakeTerminal(100, 30);
    const src = source(mk(50_000, 1000n));
    const done = runReplayView(src, {
      terminal: term,
      header: { captureDir: 'cap' },
      speed: 0,
      ring: { maxLines: 1000 },
    });
    await waitFor(() => term.text().includes('DONE'), 10_000, 'DONE');
    expect(term.text()).toContain('50k/50k lines');
    expect(term.text()).toContain('msg 49999');
    expect(term.text()).toContain('[1000 lines]');
    term.press('q');
    await done;
    expect(term.destroyed).toBe(true);
  });

  it('paces by timestamps, pauses with space and speeds up with ]', async () => {
    const term = new FakeTerminal(100, 30);
    // One line every 200 ms of capture time: 1x shows ~5 lines a second.
    const src = source(mk(100, 200_000_000n));
    const done = runReplayView(src, {
      terminal: term,
      header: { captureDir: 'cap' },
      speed: 1,
      noPicker: true,
    });
    await waitFor(() => term.text().includes('msg 2'), 3000, 'first lines');
    expect(term.text()).not.toContain('msg 30');
    term.press(' ');
    await waitFor(() => term.text().includes('PAUSED'), 2000, 'PAUSED');
    const frozen = term.text().match(/(\d+)\/100 lines/)![1];
    await new Promise((r) => setTimeout(r, 500));
    expect(term.text().match(/(\d+)\/100 lines/)![1]).toBe(frozen);
    term.press(' ]]]]]');
    await waitFor(() => term.text().includes('speed 32x'), 2000, 'speed 32x');
    await waitFor(() => term.text().includes('DONE'), 5000, 'DONE');
    term.press('q');
    await done;
  });

  it('shows the service picker first and replays only the chosen services', async () => {
    const term = new FakeTerminal(100, 30);
    const src = source(mk(20, 1n), [
      { service: 'a', lines: 10 },
      { service: 'b', lines: 10 },
    ]);
    const done = runReplayView(src, { terminal: term, header: { captureDir: 'cap' }, speed: 0 });
    await waitFor(() => term.text().includes('services (2/2 selected)'), 3000, 'picker');
    expect(term.text()).not.toContain('msg 0');
    term.press('j <enter>');
    await waitFor(() => term.text().includes('DONE'), 3000, 'DONE');
    expect(term.text()).toContain('msg 18');
    expect(term.text()).not.toContain('msg 19');
    expect(term.text()).toContain('SERVICES 1/2');
    term.press('q');
    await done;
  });

  it('an aborted signal quits the view', async () => {
    const term = new FakeTerminal(100, 30);
    const src = source(mk(1000, 1_000_000_000n));
    const ac = new AbortController();
    const done = runReplayView(src, {
      terminal: term,
      header: { captureDir: 'cap' },
      noPicker: true,
      signal: ac.signal,
    });
    await waitFor(() => term.text().includes('msg 0'), 3000, 'first line');
    ac.abort();
    await done;
    expect(src.aborted).toBe(true);
  });

  it('quitting mid-stream aborts the reader', async () => {
    const term = new FakeTerminal(100, 30);
    const src = source(mk(1000, 1_000_000_000n));
    const done = runReplayView(src, {
      terminal: term,
      header: { captureDir: 'cap' },
      speed: 1,
      noPicker: true,
    });
    await waitFor(() => term.text().includes('msg 0'), 3000, 'first line');
    term.press('q');
    await done;
    expect(src.aborted).toBe(true);
  });
});
