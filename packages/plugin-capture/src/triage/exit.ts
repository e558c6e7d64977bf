/**
 * Known errors of triage and diff turned into a message and an exit code, by `code`: the capture
 * tools' translation first (capture, filter, regex, output errors), then this command's and
 * @logtap/triage's own. Errors thrown inside a worker thread arrive as WorkerFailedError carrying the
 * original code.
 */

import { translateError } from '../command-kit.js';
import { WorkerFailedError } from './errors.js';
import { EXIT } from './flags.js';

const BY_CODE: Record<string, number> = {
  CAPTURE_NOT_FOUND: EXIT.input,
  CAPTURE_NOT_A_CAPTURE: EXIT.input,
  CAPTURE_IO: EXIT.input,
  CAPTURE_CORRUPT: EXIT.input,
  CAPTURE_INVALID_TIME: EXIT.usage,
  CAPTURE_INVALID_FILTER: EXIT.usage,
  CAPTURE_INVALID_OPTION: EXIT.usage,
  CAPTURE_INVALID_REGEX: EXIT.usage,
  TRIAGE_BAD_OPTION: EXIT.usage,
  TRIAGE_BAD_REPORT: EXIT.input,
  TRIAGE_CMD_INPUT: EXIT.input,
  TRIAGE_CMD_OUTPUT_IO: EXIT.output,
  TRIAGE_CMD_OUTPUT_IS_CAPTURE: EXIT.output,
};

/** File-system errors of reading a capture (a data file unreadable, a disk error): exit 4. */
const READ_ERRNO = new Set(['EACCES', 'EPERM', 'EIO', 'EISDIR', 'ELOOP', 'ENAMETOOLONG']);

export interface Translated {
  message: string;
  exit: number;
  suggestions: string[];
}

/** The message and exit code of a known error; undefined for anything unexpected. */
export function translateTriageError(err: unknown): Translated | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'AbortError') return { message: 'interrupted', exit: EXIT.interrupted, suggestions: [] };
  const tools = translateError(err);
  if (tools !== undefined) return tools;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in BY_CODE)
    return { message: err.message, exit: BY_CODE[code]!, suggestions: [] };
  if (typeof code === 'string' && READ_ERRNO.has(code)) {
    return { message: `cannot read the capture: ${err.message}`, exit: EXIT.input, suggestions: [] };
  }
  if (err instanceof WorkerFailedError && err.causeCode !== undefined) {
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    if (err.causeCode in BY_CODE) return { message: cause, exit: BY_CODE[err.causeCode]!, suggestions: [] };
    if (READ_ERRNO.has(err.causeCode))
      return { message: `cannot read the capture: ${cause}`, exit: EXIT.input, suggestions: [] };
  }
  return undefined;
}
