import { describe, expect, it } from '@jest/globals';
import { toKeyEvent } from './terminal.js';

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
