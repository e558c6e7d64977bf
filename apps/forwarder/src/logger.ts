/** Where the forwarder reports what it does (its own container's log, which it never forwards). */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

/** A logger writing one JSON object per line (`{"ts","level","msg",...fields}`) through `write`. */
export function jsonLogger(write: (line: string) => void, level: LogLevel = 'info', now = Date.now): Logger {
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return;
    write(
      `${JSON.stringify(
        { ts: new Date(now()).toISOString(), level: lvl, msg, ...fields },
        (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
      )}\n`,
    );
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
