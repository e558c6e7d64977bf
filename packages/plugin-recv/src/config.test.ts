import { describe, expect, test } from '@jest/globals';
import { FlagValueError, parseListen, parseRecvConfig, type RecvFlags } from './config.js';

const DEFAULTS: RecvFlags = {
  listen: '127.0.0.1:3100',
  dir: './capture',
  'max-file': '256MiB',
  'max-file-age': '15m',
  'max-disk': '5GiB',
  'min-free': '256MiB',
  buffer: '32MiB',
  'on-full': 'drop',
  'max-body': '64MiB',
  'max-line': '1MiB',
  headless: true,
  'redact-labels': true,
  'zstd-level': '1',
  'progress-interval': '5s',
};

describe('parseRecvConfig', () => {
  test('the defaults are valid and converted to bytes and milliseconds', () => {
    expect(parseRecvConfig(DEFAULTS)).toEqual({
      host: '127.0.0.1',
      port: 3100,
      dir: './capture',
      maxFileBytes: 256 * 1024 ** 2,
      maxFileAgeMs: 900_000,
      maxDiskBytes: 5 * 1024 ** 3,
      minFreeBytes: 256 * 1024 ** 2,
      bufferBytes: 32 * 1024 ** 2,
      onFull: 'drop',
      maxBodyBytes: 64 * 1024 ** 2,
      maxLineBytes: 1024 ** 2,
      headless: true,
      tls: undefined,
      authToken: undefined,
      redact: { enabled: false },
      redactPatternsFile: undefined,
      redactLabels: true,
      redactHashKeyFile: undefined,
      redactThreads: undefined,
      zstdLevel: 1,
      progressIntervalMs: 5000,
    });
  });

  test.each([
    [
      'max-disk',
      '12XB',
      /^Invalid value for --max-disk: "12XB"\. Expected a size such as 512MiB.*KiB\/MiB\/GiB = 1024\^n\)\.$/,
    ],
    ['max-file', '1KB', /^Invalid value for --max-file: "1KB"\. It must be at least 64KiB\.$/],
    ['buffer', 'lots', /^Invalid value for --buffer: "lots"\. Expected a size/],
    [
      'max-file-age',
      '10 minutes',
      /^Invalid value for --max-file-age: "10 minutes"\. Expected a duration .*0 = rotate by size only\)\.$/,
    ],
    ['progress-interval', '5', /^Invalid value for --progress-interval: "5"\. Expected a duration/],
    ['listen', 'localhost', /^Invalid value for --listen: "localhost"\. Expected HOST:PORT/],
    ['listen', '127.0.0.1:70000', /^Invalid value for --listen: "127\.0\.0\.1:70000"/],
    ['on-full', 'block', /^Invalid value for --on-full: "block"\. Expected drop .* or reject/],
    ['redact', 'email;jwt', /^Invalid value for --redact: "email;jwt"\. Expected nothing \(all rules\)/],
    ['redact-threads', '0', /^Invalid value for --redact-threads: "0"\. Expected a number of threads/],
    ['zstd-level', '0', /^Invalid value for --zstd-level: "0"\. Expected a zstd level from 1/],
    ['zstd-level', 'fast', /^Invalid value for --zstd-level: "fast"\. Expected a zstd level from 1/],
    [
      'redact-hash-key-file',
      'key',
      /^Invalid value for --redact-hash-key-file: "key"\. It only applies with --redact/,
    ],
  ])('--%s %s is one line naming the flag, the value and what is accepted', (flag, value, message) => {
    const run = () => parseRecvConfig({ ...DEFAULTS, [flag]: value });
    expect(run).toThrow(FlagValueError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
      expect(err).toMatchObject({ code: 'RECV_FLAG_INVALID', flag });
    }
  });

  test('--max-file must be smaller than --max-disk', () => {
    expect(() => parseRecvConfig({ ...DEFAULTS, 'max-file': '2GB', 'max-disk': '1GB' })).toThrow(
      /--max-file: "2GB"\. It must be smaller than --max-disk \(1GB\)/,
    );
  });

  test('TLS needs both files; a token must not be empty', () => {
    expect(() => parseRecvConfig({ ...DEFAULTS, 'tls-cert': 'c.pem' })).toThrow(
      /--tls-key.*both --tls-cert and --tls-key/,
    );
    expect(parseRecvConfig({ ...DEFAULTS, 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }).tls).toEqual({
      certFile: 'c.pem',
      keyFile: 'k.pem',
    });
    expect(() => parseRecvConfig({ ...DEFAULTS, 'auth-token': '' })).toThrow(/--auth-token/);
  });

  test('--redact forms', () => {
    const redact = (value: string | undefined, patterns?: string) =>
      parseRecvConfig({ ...DEFAULTS, redact: value, 'redact-patterns': patterns }).redact;
    expect(redact(undefined)).toEqual({ enabled: false });
    expect(redact('all')).toEqual({ enabled: true, rules: 'all' });
    expect(redact('true')).toEqual({ enabled: true, rules: 'all' });
    expect(redact('Email, jwt,email')).toEqual({ enabled: true, rules: ['email', 'jwt'] });
    expect(redact('none')).toEqual({ enabled: false });
    // A patterns file turns redaction on: alone with the built-ins, with --redact=none without them.
    expect(redact(undefined, 'p.yaml')).toEqual({ enabled: true, rules: 'all' });
    expect(redact('none', 'p.yaml')).toEqual({ enabled: true, rules: [] });
    expect(redact('email', 'p.yaml')).toEqual({ enabled: true, rules: ['email'] });
  });

  test('--zstd-level and --redact-hash-key-file', () => {
    expect(parseRecvConfig({ ...DEFAULTS, 'zstd-level': '19' }).zstdLevel).toBe(19);
    expect(() => parseRecvConfig({ ...DEFAULTS, 'zstd-level': '20' })).toThrow(/--zstd-level/);
    const keyed = parseRecvConfig({ ...DEFAULTS, redact: '', 'redact-hash-key-file': 'k' });
    expect(keyed).toMatchObject({ redact: { enabled: true, rules: 'all' }, redactHashKeyFile: 'k' });
    expect(parseRecvConfig({ ...DEFAULTS, 'redact-threads': '3' }).redactThreads).toBe(3);
    expect(parseRecvConfig({ ...DEFAULTS, 'redact-threads': 'auto' }).redactThreads).toBeUndefined();
  });
});

describe('parseListen', () => {
  test.each([
    ['127.0.0.1:3100', { host: '127.0.0.1', port: 3100 }],
    [':3100', { host: '0.0.0.0', port: 3100 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:3100', { host: '::1', port: 3100 }],
    ['[::]:9000', { host: '::', port: 9000 }],
    ['localhost:3100', { host: 'localhost', port: 3100 }],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  test.each(['3100', '::1:3100', 'host:', 'host:port', '[::1]', 'a b:1'])('%s is refused', (text) => {
    expect(parseListen(text)).toBeUndefined();
  });
});
