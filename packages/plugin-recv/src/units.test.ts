import { describe, expect, test } from '@jest/globals';
import { formatBytes, formatDuration, parseDuration, parseSize } from './units.js';

describe('parseSize', () => {
  test.each([
    ['0', 0],
    ['1048576', 1048576],
    ['512B', 512],
    ['1KB', 1000],
    ['1kb', 1000],
    ['1K', 1000],
    ['1KiB', 1024],
    ['1Ki', 1024],
    ['512MiB', 512 * 1024 ** 2],
    ['512Mi', 512 * 1024 ** 2],
    ['1GB', 1e9],
    ['1 GB', 1e9],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['2TB', 2e12],
    ['1gib', 1024 ** 3],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each(['', 'MB', '1XB', '-1MB', '1 M B', '1iB', '1e3', 'ten', '1,5GB', '99999999PiB'])(
    '%s is refused',
    (text) => {
      expect(parseSize(text)).toBeUndefined();
    },
  );
});

describe('parseDuration', () => {
  test.each([
    ['0', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['1H', 3_600_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '10', 'm', '10x', '1h 30m', '-5s', 'soon'])('%s is refused', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

test('formatBytes and formatDuration', () => {
  expect(formatBytes(512)).toBe('512B');
  expect(formatBytes(1536)).toBe('1.5KiB');
  expect(formatBytes(64 * 1024 ** 2)).toBe('64MiB');
  expect(formatBytes(5 * 1024 ** 3)).toBe('5GiB');
  expect(formatDuration(250)).toBe('250ms');
  expect(formatDuration(5_000)).toBe('5s');
  expect(formatDuration(3_725_000)).toBe('1h2m5s');
});
