import { describe, expect, test } from '@jest/globals';
import { normalizeRedactArgv } from './argv.js';

describe('normalizeRedactArgv', () => {
  test.each([
    [['--redact'], ['--redact=all']],
    [
      ['--redact', '--dir', 'x'],
      ['--redact=all', '--dir', 'x'],
    ],
    [
      ['--dir', 'x', '--redact'],
      ['--dir', 'x', '--redact=all'],
    ],
    [['--redact=email,jwt'], ['--redact=email,jwt']],
    [
      ['--redact', 'email,jwt', '--dir', 'x'],
      ['--redact=email,jwt', '--dir', 'x'],
    ],
    [
      ['--redact', './capture'],
      ['--redact=all', './capture'],
    ],
    [
      ['--', '--redact'],
      ['--', '--redact'],
    ],
    [
      ['--redact-patterns', 'f.yaml'],
      ['--redact-patterns', 'f.yaml'],
    ],
  ])('%j → %j', (input, output) => {
    expect(normalizeRedactArgv(input)).toEqual(output);
  });
});
