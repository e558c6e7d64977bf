import { describe, expect, it } from '@jest/globals';
import type { TuiEntry } from './line.js';
import { type LiveSource, runLiveView } from './live-view.js';
import type { LiveStats } from './stats.js';
import { FakeTerminal, waitFor } from './test-helpers/fake-terminal.js';

class FakeSource implements LiveSource {
  pending: TuiEntry[] = [];
  lines = 0;
  quits = 0;
  drains: number[] = [];
  push(n: number, app = 'api', msg = (i: number) => `line ${i}`): void {
    for (let i = 0; i < n; i++) {
      this.pending.push({ ts: BigInt(Date.now()) * 1_000_000n, labels: { app }, msg: msg(this.lines) });
      this.lines++;
    }
  }
  stats(): LiveStats {
    return {
      inFlight: 1,
      lines: this.lines,
      bytes: this.lines * 10,
      dropped: 0,
      diskBytes: 0,
      redaction: { enabled: true },
    };
  }
  drainRecent(max: number): TuiEntry[] {
    this.drains.push(max);
    return this.pending.splice(0, max);
  }
  async onQuit(): Promise<void> {
    this.quits++;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runLiveView', () => {
  it('a Ctrl+C while closing (a second one) goes to onInterruptWhileClosing; other keys are ignored', async () => {
    const term = new FakeTerminal(100, 30);
    let release: () => void = () => {};
    let interrupts = 0;
    const src = new FakeSource();
    src.onQuit = () => new Promise<void>((r) => (release = r));
    const done = runLiveView(src, {
      terminal: term,
      header: { version: '0.1.0', listen: '127.0.0.1:1', captureDir: 'cap' },
      onInterruptWhileClosing: () => interrupts++,
    });
    await waitFor(() => term.text().includes('Top talkers'), 3000, 'first draw');
    term.press('<C-c>');
    expect(interrupts).toBe(0);
    await waitFor(() => term.text().includes('stopping the receiver'), 3000, 'closing');
    term.press('jq');
    expect(interrupts).toBe(0);
    term.press('<C-c>');
    expect(interrupts).toBe(1);
    expect(term.destroyed).toBe(false);
    release();
    await done;
    expect(term.destroyed).toBe(true);
  });
  it('shows lines as they arrive, searches and filters with keys, and quits gracefully', async () => {
    const term = new FakeTerminal(100, 30);
    const src = new FakeSource();
    src.push(5);
    const done = runLiveView(src, {
      terminal: term,
      header: { version: '0.1.0', listen: '127.0.0.1:1', captureDir: 'cap' },
    });
    await waitFor(() => term.text().includes('line 4'), 3000, 'first lines');
    expect(term.text()).toContain('logtap v0.1.0 │ 127.0.0.1:1 │ cap');
    src.push(3, 'web', (i) => `ERROR web ${i}`);
    await waitFor(() => term.text().includes('ERROR web 7'), 3000, 'new lines');
    term.press('/!ERROR<enter>');
    await waitFor(() => !term.text().includes('ERROR web 7'), 3000, 'hide filter');
    expect(term.text()).toContain('HIDE /ERROR/');
    term.press('<escape>/line 2<enter>');
    await waitFor(() => term.text().includes('[1/1]'), 3000, 'search');
    term.press('q');
    await done;
    expect(src.quits).toBe(1);
    expect(term.destroyed).toBe(true);
  });

  it('drains a bounded number of lines per tick and redraws at most ~10 times a second', async () => {
    const term = new FakeTerminal();
    const src = new FakeSource();
    src.push(50_000);
    const done = runLiveView(src, {
      terminal: term,
      header: { version: '0', listen: 'l', captureDir: 'c' },
      drainPerTick: 1000,
    });
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    const elapsed = Date.now() - t0;
    expect(Math.max(...src.drains)).toBe(1000);
    expect(term.draws).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(term.draws).toBeGreaterThanOrEqual(3);
    term.press('<C-c>');
    await done;
  });

  it('writes the filtered lines through the callback and reports it', async () => {
    const term = new FakeTerminal();
    const src = new FakeSource();
    src.push(10);
    const writes: Array<{ dir: string; n: number }> = [];
    const done = runLiveView(src, {
      terminal: term,
      header: { version: '0', listen: 'l', captureDir: 'c' },
      writeCapture: async (dir, entries) => {
        writes.push({ dir, n: entries.length });
        return { dir, lines: entries.length };
      },
    });
    await waitFor(() => term.text().includes('line 9'));
    term.press('/=line [0-4]<enter>w<C-u>out<enter>');
    await waitFor(() => term.text().includes('wrote 5 lines to out'), 3000, 'write message');
    expect(writes).toEqual([{ dir: 'out', n: 5 }]);
    term.press('q');
    await done;
  });

  it('redraws on resize and shows the size message below 80x24', async () => {
    const term = new FakeTerminal(100, 30);
    const src = new FakeSource();
    const done = runLiveView(src, { terminal: term, header: { version: '0', listen: 'l', captureDir: 'c' } });
    await waitFor(() => term.draws > 0);
    term.resize(60, 20);
    await waitFor(() => term.text().includes('logtap needs 80x24'));
    term.resize(120, 40);
    await waitFor(() => term.last?.width === 120 && term.text().includes('Top talkers'));
    term.press('q');
    await done;
  });

  it('quits when the abort signal fires (SIGTERM in the command)', async () => {
    const term = new FakeTerminal();
    const src = new FakeSource();
    const ac = new AbortController();
    const done = runLiveView(src, {
      terminal: term,
      header: { version: '0', listen: 'l', captureDir: 'c' },
      signal: ac.signal,
    });
    await waitFor(() => term.draws > 0);
    ac.abort();
    await done;
    expect(src.quits).toBe(1);
  });

  it('rejects when the source fails', async () => {
    const term = new FakeTerminal();
    const src = new FakeSource();
    src.drainRecent = () => {
      throw new Error('source broke');
    };
    await expect(
      runLiveView(src, { terminal: term, header: { version: '0', listen: 'l', captureDir: 'c' } }),
    ).rejects.toThrow('source broke');
    expect(term.destroyed).toBe(true);
  });
});
