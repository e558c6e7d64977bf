import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  checkSource,
  type FileFinding,
  redactInPlace,
  redactSource,
  type Tally,
  write,
} from './cli-files.js';
import { type CustomRule, loadCustomRules } from './custom.js';
import { RedactError } from './errors.js';
import { compileRedactor, type Redactor } from './redactor.js';
import { BUILTIN_RULES } from './rules/index.js';
import { parseRuleList } from './select.js';

export type { FileFinding } from './cli-files.js';

/** Streams and environment the command runs against (the bin passes the process's own). */
export interface RedactCommandIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Environment for --hash-key-env; default none. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Base directory for relative paths; without it paths are used as given (the process's cwd). */
  readonly cwd?: string | undefined;
}

/** Exit codes: 0 clean (or redacted), 1 findings with --check, 2 usage, configuration or I/O error. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const USAGE = `Usage: logtap-redact [options] [FILE...]

Redacts secrets and PII from FILEs (or stdin, or "-") and writes the result to stdout.

Options:
  --check                 report findings as FILE:LINE:COLUMN:RULE (never the value), exit 1 if any
  --json                  machine output: findings (--check), the rule list (--list-rules), or a
                          summary on stderr after redacting
  --rules LIST            rules or groups to apply, e.g. email,jwt or all,-ipv4 (default: all)
  --patterns FILE         custom rules file (YAML or JSON); repeatable
  --allow PATTERN         RE2 pattern; matches whose text it matches are kept; repeatable
  -w, --in-place          rewrite each FILE with its redacted content (only files with findings)
  --hash-key-env NAME     keyed hashing: [REDACTED:rule:tag], HMAC key from environment variable NAME
  --hash-key-file FILE    keyed hashing with the key read from FILE
  --list-rules            list the built-in rules and groups
  -h, --help              show this help

Exit status: 0 nothing found (or redacted), 1 findings with --check, 2 error.`;

interface Options {
  check: boolean;
  json: boolean;
  inPlace: boolean;
  files: string[];
}

class UsageError extends Error {}

async function loadKey(values: Record<string, unknown>, io: RedactCommandIO): Promise<Buffer | undefined> {
  const envName = values['hash-key-env'] as string | undefined;
  const file = values['hash-key-file'] as string | undefined;
  if (envName !== undefined && file !== undefined) {
    throw new UsageError('use either --hash-key-env or --hash-key-file, not both');
  }
  if (envName !== undefined) {
    const v = io.env?.[envName];
    if (v === undefined || v === '')
      throw new UsageError(`--hash-key-env: environment variable ${envName} is not set`);
    return Buffer.from(v, 'utf8');
  }
  if (file !== undefined) {
    const raw = await readFile(resolvePath(file, io)).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(
        `--hash-key-file: cannot read ${file}: ${e.code === 'ENOENT' ? 'file not found' : e.message}`,
      );
    });
    // A trailing newline from `echo key > file` is not part of the key.
    let end = raw.length;
    while (end > 0 && (raw[end - 1] === 10 || raw[end - 1] === 13)) end--;
    return raw.subarray(0, end);
  }
  return undefined;
}

function resolvePath(path: string, io: RedactCommandIO): string {
  return io.cwd === undefined ? path : resolve(io.cwd, path);
}

async function buildRedactor(values: Record<string, unknown>, io: RedactCommandIO): Promise<Redactor> {
  const rules = values.rules === undefined ? undefined : parseRuleList(values.rules as string);
  const custom: CustomRule[] = [];
  const allow: string[] = [...((values.allow as string[] | undefined) ?? [])];
  for (const file of (values.patterns as string[] | undefined) ?? []) {
    const set = await loadCustomRules(resolvePath(file, io));
    custom.push(...set.rules);
    allow.push(...set.allow);
  }
  const hashKey = await loadKey(values, io);
  return compileRedactor({ rules, custom, allow, hashKey });
}

function listRules(io: RedactCommandIO, json: boolean): Promise<void> {
  if (json) {
    const rules = BUILTIN_RULES.map((r) => ({ name: r.name, group: r.category, description: r.description }));
    return write(
      io.stdout,
      `${JSON.stringify({ rules, groups: ['all', 'secrets', 'pii', 'network'] }, null, 2)}\n`,
    );
  }
  const width = Math.max(...BUILTIN_RULES.map((r) => r.name.length));
  let out = '';
  for (const r of BUILTIN_RULES)
    out += `${r.name.padEnd(width)}  ${r.category.padEnd(7)}  ${r.description}\n`;
  out += '\nGroups: all, secrets, pii, network. Exclude with a leading "-": --rules all,-ipv4\n';
  return write(io.stdout, out);
}

async function run(argv: readonly string[], io: RedactCommandIO): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        check: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        rules: { type: 'string' },
        patterns: { type: 'string', multiple: true },
        allow: { type: 'string', multiple: true },
        'in-place': { type: 'boolean', short: 'w', default: false },
        'hash-key-env': { type: 'string' },
        'hash-key-file': { type: 'string' },
        'list-rules': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    await write(io.stdout, `${USAGE}\n`);
    return EXIT_OK;
  }
  if (values['list-rules']) {
    await listRules(io, values.json === true);
    return EXIT_OK;
  }
  const opts: Options = {
    check: values.check === true,
    json: values.json === true,
    inPlace: values['in-place'] === true,
    files: positionals.length === 0 ? ['-'] : positionals,
  };
  if (opts.inPlace && opts.check) throw new UsageError('--in-place and --check exclude each other');
  if (opts.inPlace && opts.files.includes('-'))
    throw new UsageError('--in-place needs FILE arguments, not stdin');
  if (opts.files.filter((f) => f === '-').length > 1)
    throw new UsageError('stdin ("-") can be read only once');

  const redactor = await buildRedactor(values, io);
  const tally: Tally = { files: 0, lines: 0, hits: 0, byRule: Object.create(null), skipped: [] };
  const findings: FileFinding[] = [];
  const printFinding = (f: FileFinding) =>
    opts.json ? Promise.resolve() : write(io.stdout, `${f.file}:${f.line}:${f.column}:${f.rule}\n`);

  for (const file of opts.files) {
    const name = file === '-' ? '<stdin>' : file;
    const path = resolvePath(file, io);
    let ok: boolean;
    try {
      if (opts.inPlace) {
        ok = await redactInPlace(file, path, redactor, tally);
      } else {
        const source = file === '-' ? io.stdin : createReadStream(path);
        ok = opts.check
          ? await checkSource(name, source, redactor, tally, findings, printFinding)
          : await redactSource(source, redactor, tally, io.stdout);
        if (!ok) tally.skipped.push(name);
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
        const why =
          err.code === 'ENOENT'
            ? 'file not found'
            : err.code === 'EISDIR'
              ? 'is a directory'
              : 'permission denied';
        throw new UsageError(`${name}: ${why}`);
      }
      throw e;
    }
    if (ok) tally.files++;
  }

  for (const s of tally.skipped) await write(io.stderr, `logtap-redact: skipped binary file ${s}\n`);
  const summary = {
    files: tally.files,
    lines: tally.lines,
    findings: tally.hits,
    byRule: tally.byRule,
    skipped: tally.skipped,
    rules: redactor.rules,
    policyHash: redactor.policyHash,
  };
  if (opts.check) {
    if (opts.json) {
      await write(io.stdout, `${JSON.stringify({ findings, summary }, null, 2)}\n`);
    } else if (tally.hits > 0) {
      const parts = Object.keys(tally.byRule).map((r) => `${r}: ${tally.byRule[r]}`);
      await write(
        io.stderr,
        `logtap-redact: ${tally.hits} finding(s) in ${tally.files} file(s) (${parts.join(', ')})\n`,
      );
    }
    return tally.hits > 0 ? EXIT_FINDINGS : EXIT_OK;
  }
  if (opts.json) await write(io.stderr, `${JSON.stringify(summary)}\n`);
  return EXIT_OK;
}

/**
 * The `logtap-redact` command: redacts files or stdin to stdout, rewrites files in place, or checks them
 * (`--check`: findings as FILE:LINE:COLUMN:RULE, exit 1). Never throws for expected problems: usage and
 * configuration errors are printed to `io.stderr` and give exit code 2.
 */
export async function runRedactCommand(argv: readonly string[], io: RedactCommandIO): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      await write(
        io.stderr,
        `logtap-redact: ${e.message}\n${e.message.includes('Usage') ? '' : 'Try --help.\n'}`,
      );
      return EXIT_ERROR;
    }
    if (e instanceof RedactError) {
      await write(io.stderr, `logtap-redact: ${e.message}\n`);
      return EXIT_ERROR;
    }
    throw e;
  }
}
