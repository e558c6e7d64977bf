import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  keyRuns,
  maskKey,
  maskMessage,
  maskToken,
  runsMatch,
  scanTokens,
  tokensHash,
  tokensMatch,
} from './mask.js';
import { loadLabelledFolder } from './test-helpers/loghub.js';
import { rng } from './testing.js';

const CORPUS = join(import.meta.dirname, '../../../../shared/corpus/loghub');

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

describe('maskKey', () => {
  const same = (msg: string) => expect(maskKey(msg)).toBe(maskMessage(msg).join(' '));

  it('is maskMessage joined with spaces, on edge cases', () => {
    for (const msg of [
      '',
      ' ',
      '\t \n',
      'a',
      '  a \t b\n c  ',
      'a  b',
      'plain words only',
      'Sun Jul 10 03:04:05 2005 x',
      'at Sun Jul 10',
      'Jun  5 12:00 Jun\tMon 7',
      'uid=0 euid=0 user=root path=/a/b key=//x scheme://host a:/b',
      '(uid=0) [fe80::1]:8080 /a ./b ../c ~/d / // /) x/y',
      'naïve café 42 日本 3',
      'x'.repeat(300),
      Array.from({ length: 700 }, (_, i) => `t${i % 7 ? 'ok' : i}`).join(' '),
    ])
      same(msg);
  });

  it('is maskMessage joined with spaces, on every line of the loghub corpus', () => {
    let n = 0;
    for (const sys of loadLabelledFolder(CORPUS)) {
      for (const line of readFileSync(join(CORPUS, sys.name, `${sys.name}_2k.log`), 'utf8').split('\n')) {
        same(line);
        n++;
      }
    }
    expect(n).toBeGreaterThan(15_000);
  });

  it('hashes equal sequences equal, whatever the whitespace or whether a token was masked', () => {
    const hash = (msg: string) => tokensHash(scanTokens(msg));
    expect(hash('uid=0 took 12ms')).toBe(hash('uid=<*> took <*>'));
    expect(hash('a  b\tc')).toBe(hash('a b c'));
    expect(hash('at Sun Jul 10 03:04:05')).toBe(hash('at <*> <*> <*> <*>'));
    expect(hash('a b')).not.toBe(hash('b a'));
    const n = scanTokens('user=root uid=0 path=/x');
    expect(tokensMatch('user=root uid=0 path=/x', n, ['user=root', 'uid=<*>', 'path=<*>'])).toBe(true);
    expect(tokensMatch('user=root uid=0 path=/x', n, ['user=root', 'uid=<*>', 'path=/x'])).toBe(false);
    expect(tokensMatch('user=root uid=0 path=/x', n, ['user=root', 'gid=<*>', 'path=<*>'])).toBe(false);
  });

  it('compares runs of plain tokens at once, and needs single spaces for it', () => {
    const tokens = maskMessage('session opened for user root by uid=0 at 12:00 ok');
    const runs = keyRuns(tokens);
    expect(runs).toEqual({
      text: ['session opened for user root by', 'uid=<*>', 'at', '<*>', 'ok'],
      count: [6, 0, 1, 0, 1],
    });
    const same = (msg: string) => runsMatch(msg, scanTokens(msg), tokens, runs);
    expect(same('session opened for user root by uid=7 at 13:01 ok')).toBe(true);
    expect(same('session opened for user guest by uid=7 at 13:01 ok')).toBe(false);
    expect(same('session opened for user root by uid=7 at 13:01')).toBe(false);
    // Same key, other spacing: not a run match, but still a token match.
    const spaced = 'session  opened for user root by uid=7 at 13:01 ok';
    expect(same(spaced)).toBe(false);
    expect(tokensMatch(spaced, scanTokens(spaced), tokens)).toBe(true);
    // A day name masked next to a number is not the plain word of a run.
    const dated = maskMessage('backup on Mar');
    expect(runsMatch('backup on Mar 12', scanTokens('backup on Mar 12'), dated, keyRuns(dated))).toBe(false);
  });

  it('is maskMessage joined with spaces, on random token soup', () => {
    const r = rng(5);
    const parts = [
      ' ',
      '  ',
      '\t',
      'a',
      'Mon',
      'jun',
      'May,',
      '7',
      '/',
      '.',
      '~',
      ':',
      '=',
      '//',
      '(',
      '[',
      '<',
      '"',
      "'",
      ')',
      'é',
      'key',
      '-',
      '_',
      'x1',
      'http',
      '://',
    ];
    for (let k = 0; k < 10_000; k++) {
      let msg = '';
      const len = Math.floor(r() * 14);
      for (let i = 0; i < len; i++) msg += parts[Math.floor(r() * parts.length)];
      same(msg);
    }
  });
});
