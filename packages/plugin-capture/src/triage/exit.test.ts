import { describe, expect, it } from '@jest/globals';
import { CaptureIoError, CaptureNotFoundError, InvalidRegexError, InvalidTimeError } from '@logtap/capture';
import { TriageReportError } from '@logtap/triage';
import { DiffInputError, OutputIsCaptureError, OutputWriteError, WorkerFailedError } from './errors.js';
import { translateTriageError } from './exit.js';

function fsError(code: string): Error {
  return Object.assign(new Error(`${code}: operation failed, open '/cap/a.jsonl.zst'`), { code });
}

describe('translateTriageError', () => {
  it.each([
    ['a missing capture', new CaptureNotFoundError('/nope'), 4],
    ['an unreadable capture', new CaptureIoError('/cap', 'list'), 4],
    ['a bad time', new InvalidTimeError('soon', 'not a time'), 2],
    ['a bad regex', new InvalidRegexError('(', 'missing )'), 2],
    ['an unwritable --out', new OutputWriteError('/out/report.json'), 3],
    ['--out at a capture', new OutputIsCaptureError('./capture'), 3],
    ['a diff input that is no report', new DiffInputError('x.json', 'not JSON'), 4],
    ['a report of another schema', new TriageReportError('x.json', ['schema: invalid']), 4],
    ['a data file without read permission', fsError('EACCES'), 4],
    ['a disk error', fsError('EIO'), 4],
    ['a worker that hit a missing capture', new WorkerFailedError(1, 'CAPTURE_NOT_FOUND', 'gone'), 4],
    ['a worker that hit EACCES', new WorkerFailedError(2, 'EACCES', 'denied'), 4],
    ['an interrupt', Object.assign(new Error('interrupted'), { name: 'AbortError' }), 130],
  ])('%s exits %d', (_what, err, exit) => {
    expect(translateTriageError(err)?.exit).toBe(exit);
  });

  it('keeps the worker cause as the message, and leaves unknown errors to the top-level handler', () => {
    const cause = new Error('the file ends inside a frame');
    expect(
      translateTriageError(new WorkerFailedError(1, 'CAPTURE_CORRUPT', cause.message, { cause })),
    ).toEqual({
      message: 'the file ends inside a frame',
      exit: 4,
      suggestions: [],
    });
    expect(translateTriageError(new WorkerFailedError(1, undefined, 'boom'))).toBeUndefined();
    expect(translateTriageError(new TypeError('x is undefined'))).toBeUndefined();
    expect(translateTriageError('not an error')).toBeUndefined();
  });
});
