import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import {
  LEAVE_ALTERNATE_SEQUENCE,
  openTerminal,
  RESTORE_SEQUENCE,
  restoreTerminals,
  toKeyEvent,
} from './terminal.js';

describe('toKeyEvent', () => {
  it('names printable keys by their character, others by name', () => {
    expect(toKeyEvent('G', { name: 'g', shift: true } as never)).toEqual({ name: 'G' });
    expect(toKeyEvent('/', { name: undefined } as never)).toEqual({ name: '/' });
    expect(toKeyEvent('日', undefined)).toEqual({ name: '日' });
    expect(toKeyEvent(undefined, { name: 'pagedown' })).toEqual({ name: 'pagedown' });
    expect(toKeyEvent('\x1b', { name: 'escape' })).toEqual({ name: 'escape' });
    expect(toKeyEvent(' ', { name: 'space' })).toEqual({ name: 'space' });
  });
  it('reports Enter once (blessed sends return then enter) and keeps Ctrl', () => {
    expect(toKeyEvent('\r', { name: 'return' })).toBeUndefined();
    expect(toKeyEvent('\r', { name: 'enter' })).toEqual({ name: 'enter' });
    expect(toKeyEvent('\x03', { name: 'c', ctrl: true })).toEqual({ name: 'c', ctrl: true });
  });
});

describe('openTerminal teardown', () => {
  /** A blessed screen over in-memory streams; `written()` is everything sent to the "terminal". */
  function open() {
    const input = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: unknown };
    const output = new PassThrough() as PassThrough & { columns: number; rows: number; isTTY: boolean };
    output.columns = 80;
    output.rows = 24;
    let text = '';
    output.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    const term = openTerminal({ input, output, term: 'xterm-256color' });
    return { term, written: () => text, reset: () => (text = '') };
  }
  const tick = () => new Promise((r) => setImmediate(r));

  it('leaves the alternate screen and writes the restore sequence once, however often it is called', async () => {
    const exitListeners = process.listenerCount('exit');
    const hupListeners = process.listenerCount('SIGHUP');
    const t = open();
    await tick();
    expect(t.written()).toContain('\x1b[?1049h');
    expect(process.listenerCount('exit')).toBeGreaterThan(exitListeners);
    expect(process.listenerCount('SIGHUP')).toBe(hupListeners + 1);
    t.reset();
    t.term.destroy();
    await tick();
    const out = t.written();
    expect(out).toContain('\x1b[?1049l');
    expect(out.endsWith(RESTORE_SEQUENCE)).toBe(true);
    // blessed left the alternate screen itself: no second 1049l (it would restore the cursor again).
    expect(out.split('\x1b[?1049l')).toHaveLength(2);
    t.reset();
    t.term.destroy();
    restoreTerminals();
    await tick();
    expect(t.written()).toBe('');
    // Nothing left hooked on the process once no screen is up.
    expect(process.listenerCount('exit')).toBe(exitListeners);
    expect(process.listenerCount('SIGHUP')).toBe(hupListeners);
  });

  it('restoreTerminals() (the hard-exit paths) restores every open screen, and the view sees it closed', async () => {
    const a = open();
    const b = open();
    await tick();
    a.reset();
    b.reset();
    restoreTerminals();
    await tick();
    for (const t of [a, b]) {
      expect(t.written()).toContain('\x1b[?1049l');
      expect(t.written()).toContain('\x1b[?25h');
      expect(t.written().endsWith(RESTORE_SEQUENCE)).toBe(true);
      t.reset();
    }
    // A later draw or destroy by the view writes nothing.
    a.term.destroy();
    await tick();
    expect(a.written()).toBe('');
  });

  it('the restore sequence resets attributes, character set, mouse modes, cursor and keypad', () => {
    for (const seq of [
      '\x1b[0m',
      '\x1b(B',
      '\x1b[?1000l',
      '\x1b[?1003l',
      '\x1b[?1006l',
      '\x1b[?25h',
      '\x1b>',
    ])
      expect(RESTORE_SEQUENCE).toContain(seq);
    expect(LEAVE_ALTERNATE_SEQUENCE).toBe('\x1b[r\x1b[?1049l');
  });
});
