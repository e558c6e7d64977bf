import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';

/** The flags of `logtap recv` as oclif hands them over (strings, before validation). */
export interface RecvFlags {
  listen: string;
  dir: string;
  'max-file': string;
  'max-file-age': string;
  'max-disk': string;
  'min-free': string;
  buffer: string;
  'on-full': string;
  'max-body': string;
  'max-line': string;
  headless: boolean;
  'tls-cert'?: string | undefined;
  'tls-key'?: string | undefined;
  'auth-token'?: string | undefined;
  'live-token'?: string | undefined;
  redact?: string | undefined;
  'redact-patterns'?: string | undefined;
  'redact-labels': boolean;
  'redact-hash-key-file'?: string | undefined;
  'redact-threads'?: string | undefined;
  'zstd-level': string;
  'progress-interval': string;
}

/** What `--redact` asked for: nothing, every built-in rule, or a list of rule names. */
export type RedactChoice = { enabled: false } | { enabled: true; rules: 'all' | string[] };

/** Validated settings of one `logtap recv` run. */
export interface RecvConfig {
  host: string;
  port: number;
  dir: string;
  maxFileBytes: number;
  maxFileAgeMs: number;
  maxDiskBytes: number;
  minFreeBytes: number;
  bufferBytes: number;
  onFull: 'drop' | 'reject';
  maxBodyBytes: number;
  maxLineBytes: number;
  headless: boolean;
  tls?: { certFile: string; keyFile: string } | undefined;
  authToken?: string | undefined;
  /** Serve GET /logtap/v1/live to clients with this read token (a remote live view). */
  liveToken?: string | undefined;
  redact: RedactChoice;
  redactPatternsFile?: string | undefined;
  redactLabels: boolean;
  /** Keyed hashing of redacted values ([REDACTED:rule:tag]) with the key in this file. */
  redactHashKeyFile?: string | undefined;
  /** Redaction threads; undefined = one per core. */
  redactThreads?: number | undefined;
  zstdLevel: number;
  progressIntervalMs: number;
}

/** A flag value that failed validation; the message is one line naming flag, value and what is accepted. */
export class FlagValueError extends Error {
  readonly code = 'RECV_FLAG_INVALID';
  constructor(
    readonly flag: string,
    readonly value: string,
    accepted: string,
  ) {
    super(`Invalid value for --${flag}: ${JSON.stringify(value)}. ${accepted}`);
    this.name = 'FlagValueError';
  }
}

const SIZE_HELP =
  'Expected a size such as 512MiB, 1GB or 1048576 (KB/MB/GB = 1000^n bytes, KiB/MiB/GiB = 1024^n)';
const DURATION_HELP = 'Expected a duration such as 30s, 10m, 1h or 1h30m (units ms, s, m, h, d), or 0';

function size(flag: string, min: number, minText: string) {
  return z.string().transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) return fail(ctx, flag, value, `${SIZE_HELP}.`);
    if (bytes < min) return fail(ctx, flag, value, `It must be at least ${minText}.`);
    return bytes;
  });
}

function duration(flag: string, allowZero: boolean, zeroMeaning: string) {
  return z.string().transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) return fail(ctx, flag, value, `${DURATION_HELP}${zeroMeaning}.`);
    if (ms === 0 && !allowZero) return fail(ctx, flag, value, 'It must be longer than 0.');
    return ms;
  });
}

function fail(ctx: z.RefinementCtx, flag: string, value: string, accepted: string): never {
  ctx.addIssue({
    code: 'custom',
    message: new FlagValueError(flag, value, accepted).message,
    params: { flag },
  });
  return z.NEVER as never;
}

const listen = z.string().transform((value, ctx) => {
  const parsed = parseListen(value);
  if (parsed === undefined) {
    return fail(
      ctx,
      'listen',
      value,
      'Expected HOST:PORT such as 127.0.0.1:3100, 0.0.0.0:3100, [::1]:3100 or :3100 (all interfaces); port 0-65535.',
    );
  }
  return parsed;
});

const redact = z
  .string()
  .optional()
  .transform((value, ctx): RedactChoice => {
    if (value === undefined) return { enabled: false };
    const v = value.trim().toLowerCase();
    if (v === '' || v === 'all' || v === 'true') return { enabled: true, rules: 'all' };
    if (v === 'false' || v === 'none' || v === 'off') return { enabled: false };
    const rules = v.split(',').map((r) => r.trim());
    if (rules.some((r) => !/^[a-z0-9_-]+$/.test(r))) {
      return fail(
        ctx,
        'redact',
        value,
        'Expected nothing (all rules), "all", or a comma-separated list of rule names such as email,jwt.',
      );
    }
    return { enabled: true, rules: [...new Set(rules)] };
  });

const schema = z.object({
  listen,
  dir: z.string().min(1, { message: 'Invalid value for --dir: "". Expected a directory path.' }),
  'max-file': size('max-file', 64 * 1024, '64KiB'),
  'max-file-age': duration('max-file-age', true, ' (0 = rotate by size only)'),
  'max-disk': size('max-disk', 1024 * 1024, '1MiB'),
  'min-free': size('min-free', 0, '0'),
  buffer: size('buffer', 64 * 1024, '64KiB'),
  'on-full': z.enum(['drop', 'reject'], {
    error: (issue) =>
      `Invalid value for --on-full: ${JSON.stringify(issue.input)}. Expected drop (answer 204, count the loss) or reject (answer 429 so clients retry).`,
  }),
  'max-body': size('max-body', 1024, '1KiB'),
  'max-line': size('max-line', 256, '256B'),
  headless: z.boolean(),
  'tls-cert': z.string().min(1).optional(),
  'tls-key': z.string().min(1).optional(),
  'auth-token': z.string().optional(),
  'live-token': z.string().optional(),
  redact,
  'redact-patterns': z.string().min(1).optional(),
  'redact-labels': z.boolean(),
  'redact-hash-key-file': z.string().min(1).optional(),
  'redact-threads': z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === 'auto') return undefined;
      const n = /^\d{1,3}$/.test(value.trim()) ? Number(value) : Number.NaN;
      if (!(n >= 1 && n <= 256)) {
        return fail(
          ctx,
          'redact-threads',
          value,
          'Expected a number of threads from 1 to 256, or auto (one per core).',
        );
      }
      return n;
    }),
  'zstd-level': z.string().transform((value, ctx) => {
    const n = /^\d{1,2}$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!(n >= 1 && n <= 19)) {
      return fail(ctx, 'zstd-level', value, 'Expected a zstd level from 1 (fastest) to 19 (smallest).');
    }
    return n;
  }),
  'progress-interval': duration('progress-interval', true, ' (0 = no progress lines)'),
});

/**
 * Validates and converts the flags; throws FlagValueError (one line: flag, value, what is accepted)
 * on the first problem, including combinations (`--max-file` larger than `--max-disk`, a certificate
 * without its key).
 */
export function parseRecvConfig(flags: RecvFlags): RecvConfig {
  const result = schema.safeParse(flags);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const flag = String(issue.path[0] ?? 'flag');
    const message = issue.message.startsWith('Invalid value')
      ? issue.message
      : `Invalid value for --${flag}: ${issue.message}`;
    const err = new FlagValueError(
      flag,
      String((flags as unknown as Record<string, unknown>)[flag] ?? ''),
      '',
    );
    err.message = message;
    throw err;
  }
  const f = result.data;
  if (f['max-file'] >= f['max-disk']) {
    throw new FlagValueError(
      'max-file',
      flags['max-file'],
      `It must be smaller than --max-disk (${flags['max-disk']}) so that rotation and eviction can keep the capture under the cap.`,
    );
  }
  if ((f['tls-cert'] === undefined) !== (f['tls-key'] === undefined)) {
    const missing = f['tls-cert'] === undefined ? 'tls-cert' : 'tls-key';
    throw new FlagValueError(missing, '', 'HTTPS needs both --tls-cert and --tls-key (PEM files).');
  }
  if (f['auth-token'] !== undefined && f['auth-token'].length === 0) {
    throw new FlagValueError(
      'auth-token',
      '',
      'Expected a non-empty token; omit the flag to accept pushes without one.',
    );
  }
  if (f['live-token'] !== undefined && f['live-token'].length < 16) {
    // The message does not repeat the token.
    const err = new FlagValueError('live-token', '', '');
    err.message = `Invalid value for --live-token: a token of ${f['live-token'].length} characters. Expected at least 16 (it guards the captured lines), e.g. $(head -c 24 /dev/urandom | base64).`;
    throw err;
  }
  if (f['redact-hash-key-file'] !== undefined && !f.redact.enabled && f['redact-patterns'] === undefined) {
    throw new FlagValueError(
      'redact-hash-key-file',
      flags['redact-hash-key-file'] ?? '',
      'It only applies with --redact or --redact-patterns (keyed hashing of the redacted values).',
    );
  }
  if (f['redact-patterns'] !== undefined && !f.redact.enabled) {
    // A patterns file turns redaction on: asking for custom patterns and silently ignoring them (as
    // the original did) would leak exactly what the user meant to hide. Alone it adds the built-in
    // rules too; with --redact=none only the file's rules apply.
    f.redact = { enabled: true, rules: flags.redact === undefined ? 'all' : [] };
  }
  return {
    host: f.listen.host,
    port: f.listen.port,
    dir: f.dir,
    maxFileBytes: f['max-file'],
    maxFileAgeMs: f['max-file-age'],
    maxDiskBytes: f['max-disk'],
    minFreeBytes: f['min-free'],
    bufferBytes: f.buffer,
    onFull: f['on-full'],
    maxBodyBytes: f['max-body'],
    maxLineBytes: f['max-line'],
    headless: f.headless,
    tls:
      f['tls-cert'] !== undefined && f['tls-key'] !== undefined
        ? { certFile: f['tls-cert'], keyFile: f['tls-key'] }
        : undefined,
    authToken: f['auth-token'],
    liveToken: f['live-token'],
    redact: f.redact,
    redactPatternsFile: f['redact-patterns'],
    redactLabels: f['redact-labels'],
    redactHashKeyFile: f['redact-hash-key-file'],
    redactThreads: f['redact-threads'],
    zstdLevel: f['zstd-level'],
    progressIntervalMs: f['progress-interval'],
  };
}

/** `127.0.0.1:3100`, `[::1]:3100`, `:3100` (all interfaces), `localhost:0`. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  return { host, port };
}
