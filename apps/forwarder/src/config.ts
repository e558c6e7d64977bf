// zod/mini: the same validation as zod's chained API in ~20 KB instead of ~470 KB of bundle, ~4 MiB less RSS
// in every sidecar (the functional API lets esbuild drop what is not used).
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { DEFAULTS } from './forwarder.js';
import type { LogLevel } from './logger.js';

/** The forwarder's configuration, as read from its environment (see docs/forwarder.md for each variable). */
export interface ForwarderConfig {
  target: string;
  session: string;
  podName: string;
  namespace: string;
  podUid: string | undefined;
  nodeName: string | undefined;
  workloadKind: string | undefined;
  workloadName: string | undefined;
  healthPort: number;
  batchBytes: number;
  batchWaitMs: number;
  bufferBytes: number;
  maxLineBytes: number;
  pollIntervalMs: number;
  pushTimeoutMs: number;
  drainTimeoutMs: number;
  flushTimeoutMs: number;
  authToken: string | undefined;
  tlsSkipVerify: boolean;
  tlsCaFile: string | undefined;
  logLevel: LogLevel;
  /** Out-of-cluster mode: a kubeconfig file instead of the pod's service account. */
  kubeconfig: string | undefined;
  kubeContext: string | undefined;
  kubernetesServiceHost: string | undefined;
  kubernetesServicePort: string | undefined;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  ki: 1024,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `8MiB`, `8Mi`, `512KB`, `1048576` → bytes; undefined if not a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const v = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** `500ms`, `2s`, `1m`, `1500` (ms) → ms; undefined if not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const f = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms']!;
  return Math.round(Number(m[1]) * f);
}

const optional = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
);
const required = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .check(z.trim(), z.minLength(1, { error: `${name} is required` }));

/** `optional`, then `fn`, which reports a problem by returning `{ problem }`. */
const optionalThen = <T>(fn: (v: string | undefined) => T | { problem: string }) =>
  z.pipe(
    optional,
    z.transform((v: string | undefined, ctx) => {
      const r = fn(v);
      if (r !== null && typeof r === 'object' && 'problem' in r) {
        ctx.issues.push({ code: 'custom', message: r.problem, input: v });
        return z.NEVER;
      }
      return r as T;
    }),
  );

/** An optional quantity: `def` when unset, else `parse(v)`, which must be at least `min` (else `what`). */
const quantity = (
  name: string,
  def: number,
  min: number,
  parse: (v: string) => number | undefined,
  what: string,
) =>
  optionalThen((v) => {
    if (v === undefined) return def;
    const n = parse(v);
    if (n === undefined || n < min) return { problem: `${name}=${v} is not ${what}` };
    return n;
  });

const bytes = (name: string, def: number, min: number) =>
  quantity(name, def, min, parseBytes, `a size of at least ${min} bytes (e.g. 8MiB)`);

const duration = (name: string, def: number, min: number) =>
  quantity(name, def, min, parseDurationMs, `a duration of at least ${min} ms (e.g. 500ms, 2s)`);

const bool = (name: string) =>
  optionalThen((v) => {
    if (v === undefined) return false;
    const s = v.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    return { problem: `${name}=${v} is not a boolean (true or false)` };
  });

const target = z.pipe(
  required('LOGTAP_TARGET'),
  z.transform((v: string, ctx) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`;
    try {
      const u = new URL(withScheme);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      if (u.search || u.hash || u.username || u.password) throw new Error('extra');
      return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
    } catch {
      ctx.issues.push({
        code: 'custom',
        message: `LOGTAP_TARGET=${v} is not host:port or an http(s):// URL without query or credentials`,
        input: v,
      });
      return z.NEVER;
    }
  }),
);

const schema = z.pipe(
  z.object({
    LOGTAP_TARGET: target,
    LOGTAP_SESSION: required('LOGTAP_SESSION'),
    LOGTAP_POD_NAME: required('LOGTAP_POD_NAME'),
    LOGTAP_NAMESPACE: required('LOGTAP_NAMESPACE'),
    LOGTAP_POD_UID: optional,
    LOGTAP_NODE_NAME: optional,
    LOGTAP_WORKLOAD_KIND: optional,
    LOGTAP_WORKLOAD_NAME: optional,
    LOGTAP_HEALTH_PORT: optionalThen((v) => {
      if (v === undefined) return 9091;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        return { problem: `LOGTAP_HEALTH_PORT=${v} is not a port number` };
      return n;
    }),
    LOGTAP_BATCH_BYTES: bytes('LOGTAP_BATCH_BYTES', DEFAULTS.batchBytes, 1024),
    LOGTAP_BATCH_WAIT: duration('LOGTAP_BATCH_WAIT', DEFAULTS.batchWaitMs, 1),
    LOGTAP_BUFFER_BYTES: optional,
    /** The original forwarder's name for the buffer bound, still accepted. */
    LOGTAP_BUFFER_SIZE: optional,
    LOGTAP_MAX_LINE_BYTES: bytes('LOGTAP_MAX_LINE_BYTES', DEFAULTS.maxLineBytes, 256),
    LOGTAP_POLL_INTERVAL: duration('LOGTAP_POLL_INTERVAL', DEFAULTS.pollIntervalMs, 100),
    LOGTAP_PUSH_TIMEOUT: duration('LOGTAP_PUSH_TIMEOUT', DEFAULTS.pushTimeoutMs, 100),
    LOGTAP_DRAIN_TIMEOUT: duration('LOGTAP_DRAIN_TIMEOUT', DEFAULTS.drainTimeoutMs, 0),
    LOGTAP_FLUSH_TIMEOUT: duration('LOGTAP_FLUSH_TIMEOUT', DEFAULTS.flushTimeoutMs, 0),
    LOGTAP_AUTH_TOKEN: optional,
    LOGTAP_TLS_SKIP_VERIFY: bool('LOGTAP_TLS_SKIP_VERIFY'),
    LOGTAP_TLS_CA_FILE: optional,
    LOGTAP_LOG_LEVEL: optionalThen((v) => {
      if (v === undefined) return 'info' as const;
      const l = v.toLowerCase();
      if (l === 'info' || l === 'warn' || l === 'error' || l === 'silent') return l;
      return { problem: `LOGTAP_LOG_LEVEL=${v} is not one of info, warn, error, silent` };
    }),
    KUBECONFIG: optional,
    LOGTAP_KUBE_CONTEXT: optional,
    KUBERNETES_SERVICE_HOST: optional,
    KUBERNETES_SERVICE_PORT: optional,
  }),
  z.transform((e, ctx) => {
    const raw = e.LOGTAP_BUFFER_BYTES ?? e.LOGTAP_BUFFER_SIZE;
    const name = e.LOGTAP_BUFFER_BYTES !== undefined ? 'LOGTAP_BUFFER_BYTES' : 'LOGTAP_BUFFER_SIZE';
    const bufferBytes = raw === undefined ? DEFAULTS.bufferBytes : parseBytes(raw);
    if (bufferBytes === undefined) {
      ctx.issues.push({ code: 'custom', message: `${name}=${raw} is not a size (e.g. 8MiB)`, input: raw });
      return z.NEVER;
    }
    // A batch must fit the buffer twice: one on the wire, one being collected.
    if (bufferBytes < 2 * e.LOGTAP_BATCH_BYTES) {
      ctx.issues.push({
        code: 'custom',
        message: `${name}=${raw} must be at least twice LOGTAP_BATCH_BYTES (${e.LOGTAP_BATCH_BYTES} bytes)`,
        input: raw,
      });
      return z.NEVER;
    }
    return { ...e, bufferBytes };
  }),
);

/** Validates the environment (all problems at once); throws ConfigError naming each bad variable. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ForwarderConfig {
  const r = schema.safeParse(env);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => i.message));
  const e = r.data;
  return {
    target: e.LOGTAP_TARGET,
    session: e.LOGTAP_SESSION,
    podName: e.LOGTAP_POD_NAME,
    namespace: e.LOGTAP_NAMESPACE,
    podUid: e.LOGTAP_POD_UID,
    nodeName: e.LOGTAP_NODE_NAME,
    workloadKind: e.LOGTAP_WORKLOAD_KIND,
    workloadName: e.LOGTAP_WORKLOAD_NAME,
    healthPort: e.LOGTAP_HEALTH_PORT,
    batchBytes: e.LOGTAP_BATCH_BYTES,
    batchWaitMs: e.LOGTAP_BATCH_WAIT,
    bufferBytes: e.bufferBytes,
    maxLineBytes: e.LOGTAP_MAX_LINE_BYTES,
    pollIntervalMs: e.LOGTAP_POLL_INTERVAL,
    pushTimeoutMs: e.LOGTAP_PUSH_TIMEOUT,
    drainTimeoutMs: e.LOGTAP_DRAIN_TIMEOUT,
    flushTimeoutMs: e.LOGTAP_FLUSH_TIMEOUT,
    authToken: e.LOGTAP_AUTH_TOKEN,
    tlsSkipVerify: e.LOGTAP_TLS_SKIP_VERIFY,
    tlsCaFile: e.LOGTAP_TLS_CA_FILE,
    logLevel: e.LOGTAP_LOG_LEVEL,
    kubeconfig: e.KUBECONFIG,
    kubeContext: e.LOGTAP_KUBE_CONTEXT,
    kubernetesServiceHost: e.KUBERNETES_SERVICE_HOST,
    kubernetesServicePort: e.KUBERNETES_SERVICE_PORT,
  };
}
