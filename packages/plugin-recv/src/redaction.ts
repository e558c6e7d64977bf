import { readFile } from 'node:fs/promises';
import type { Redactor } from '@logtap/receiver';
import { compileRedactor, loadCustomRules, type RedactorOptions } from '@logtap/redact';
import type { RecvConfig } from './config.js';
import { RecvError } from './failure.js';

/**
 * The redaction policy the flags ask for (plain options: they cross to the receiver's redaction
 * threads) and its compiled form (rules and hash for metadata.json and the start line), or undefined
 * when redaction is off. Unknown rule names and invalid pattern files throw @logtap/redact's errors
 * (codes REDACT_*, exit 6).
 */
export async function loadRedaction(
  config: RecvConfig,
): Promise<{ policy: RedactorOptions; redactor: Redactor } | undefined> {
  if (!config.redact.enabled) return undefined;
  const custom =
    config.redactPatternsFile === undefined ? undefined : await loadCustomRules(config.redactPatternsFile);
  const hashKey =
    config.redactHashKeyFile === undefined ? undefined : await readKey(config.redactHashKeyFile);
  const policy: RedactorOptions = {
    rules: config.redact.rules === 'all' ? undefined : config.redact.rules,
    custom,
    labels: config.redactLabels,
    hashKey,
  };
  return { policy, redactor: compileRedactor(policy) };
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
