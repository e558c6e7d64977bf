const RULE_LIST = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:,[A-Za-z0-9][A-Za-z0-9_-]*)*$/;

/**
 * Makes `--redact` an optional-value flag, which oclif has no notion of: a bare `--redact` becomes
 * `--redact=all`, and `--redact email,jwt` (a rule list as the next word; recv takes no positional
 * arguments, so this is unambiguous) becomes `--redact=email,jwt`. `--redact=...` passes through.
 * The original's documented `--redact --dir x` form therefore works instead of eating `--dir`.
 */
export function normalizeRedactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg !== '--redact') {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && RULE_LIST.test(next)) {
      out.push(`--redact=${next}`);
      i++;
    } else {
      out.push('--redact=all');
    }
  }
  return out;
}
