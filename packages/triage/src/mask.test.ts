import { describe, expect, it } from '@jest/globals';
import { maskMessage, maskToken } from './mask.js';

describe('maskToken', () => {
  it.each([
    ['connection', 'connection'],
    ['42', '<*>'],
    ['-17', '<*>'],
    ['3.14', '<*>'],
    ['0x7fff5fbff8a8', '<*>'],
    ['38101a0b-2096-447d-96ea-a692162415ae', '<*>'],
    ['10.10.34.11', '<*>'],
    ['/10.10.34.11:45307', '<*>'],
    ['[fe80::1]:8080', '<*>'],
    ['250ms', '<*>'],
    ['1h2m3s', '<*>'],
    ['2024-01-02T03:04:05.123Z', '<*>'],
    ['blk_-6952295868487656571', '<*>'],
    ['/var/log/syslog', '<*>'],
    ["'/udev/hda'", '<*>'],
    ['./run.sh', '<*>'],
    ['~/data', '<*>'],
    ['https://example.com/a', '<*>'],
    ['uid=0', 'uid=<*>'],
    ['rhost=218.188.2.4', 'rhost=<*>'],
    ['duration=12ms', 'duration=<*>'],
    ['path=/api/v1', 'path=<*>'],
    ['onExtend:1514038530000', 'onExtend:<*>'],
    ['user=root', 'user=root'],
    ['logname=', 'logname='],
    ['(uid=0)', '<*>'],
    ['[instance:', '[instance:'],
    ['/', '/'],
    ['-', '-'],
  ])('%s → %s', (tok, want) => {
    expect(maskToken(tok)).toBe(want);
  });
});

describe('maskMessage', () => {
  it('splits on any whitespace run and masks each token', () => {
    expect(maskMessage('  a \t b\n c  ')).toEqual(['a', 'b', 'c']);
    expect(maskMessage('PacketResponder 1 for block blk_38865049064139660 terminating')).toEqual([
      'PacketResponder',
      '<*>',
      'for',
      'block',
      '<*>',
      'terminating',
    ]);
  });

  it('masks day and month names only next to other timestamp parts', () => {
    expect(maskMessage('connection from 1.2.3.4 at Sun Jul 10 03:04:05 2005').join(' ')).toBe(
      'connection from <*> at <*> <*> <*> <*> <*>',
    );
    expect(maskMessage('may the force be with you').join(' ')).toBe('may the force be with you');
    expect(maskMessage('backup on Mar 12').join(' ')).toBe('backup on <*> <*>');
  });
});
