import type { Redactor } from '@logtap/receiver';
import { compileRedactor, loadCustomRules } from '@logtap/redact';
import type { RecvConfig } from './config.js';

/**
 * Compiles the redaction policy the flags ask for, or undefined when redaction is off. Unknown rule
 * names and invalid pattern files throw @logtap/redact's errors (codes REDACT_*, exit 6).
 */
export async function loadRedactor(config: RecvConfig): Promise<Redactor | undefined> {
  if (!config.redact.enabled) return undefined;
  const custom =
    config.redactPatternsFile === undefined ? undefined : await loadCustomRules(config.redactPatternsFile);
  return compileRedactor({
    rules: config.redact.rules === 'all' ? undefined : config.redact.rules,
    custom,
    labels: config.redactLabels,
  });
}
