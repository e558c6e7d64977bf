import { readFile } from 'node:fs/promises';
import type { Redactor } from '@logtap/receiver';
import { compileRedactor, loadCustomRules } from '@logtap/redact';
import type { RecvConfig } from './config.js';
import { RecvError } from './failure.js';

/**
 * Compiles the redaction policy the flags ask for, or undefined when redaction is off. Unknown rule
 * names and invalid pattern files throw @logtap/redact's errors (codes REDACT_*, exit 6).
 */
export async function loadRedactor(config: RecvConfig): Promise<Redactor | undefined> {
  if (!config.redact.enabled) return undefined;
  const custom =
    config.redactPatternsFile === undefined ? undefined : await loadCustomRules(config.redactPatternsFile);
  const hashKey =
    config.redactHashKeyFile === undefined ? undefined : await readKey(config.redactHashKeyFile);
  return compileRedactor({
    rules: config.redact.rules === 'all' ? undefined : config.redact.rules,
    custom,
    labels: config.redactLabels,
    hashKey,
  });
}

/** The key of --redact-hash-key-file, without a trailing newline (`echo key > file`). */
async function readKey(file: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    throw new RecvError(
      'RECV_REDACT_KEY_FILE',
      `cannot read --redact-hash-key-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      6,
      ['check the path given to --redact-hash-key-file', 'create a key: head -c 32 /dev/urandom > key'],
      { cause: err },
    );
  }
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 10 || raw[end - 1] === 13)) end--;
  return raw.subarray(0, end);
}
