/**
 * The versioned `report.json` schema (zod): what `logtap triage` writes and `logtap diff` reads.
 * Timestamps are RFC 3339 UTC strings with nanoseconds; counts are integers; rates are fractions.
 * A change here is a contract change: bump {@link REPORT_VERSION} when it is not backwards compatible.
 */
import { z } from 'zod';
import { TriageReportError } from './errors.js';

export const REPORT_SCHEMA = 'logtap.triage.report';
export const REPORT_VERSION = 1;

const ts = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/, 'RFC 3339 UTC with nanoseconds');
const count = z.number().int().nonnegative();
const fraction = z.number().min(0).max(1);

const levelCounts = z.object({
  fatal: count,
  error: count,
  warn: count,
  info: count,
  debug: count,
  trace: count,
  unknown: count,
});

export const exampleSchema = z.object({ ts, service: z.string(), line: z.string() });

export const evidenceSchema = z.object({
  lines: count,
  errors: count,
  firstSeen: ts.nullable(),
  lastSeen: ts.nullable(),
  templates: z.array(z.object({ id: z.string(), lines: count, errors: count })),
  examples: z.array(exampleSchema),
  slice: z.string(),
});

export const findingKinds = [
  'error-burst',
  'volume-spike',
  'volume-drop',
  'template-spike',
  'new-error-template',
  'new-template',
  'top-error',
  'service-errors',
  'incident-start',
  'peak-error-window',
  'steady-state',
] as const;

export const findingSchema = z.object({
  id: z.string(),
  kind: z.enum(findingKinds),
  severity: z.enum(['high', 'medium', 'low', 'info']),
  title: z.string(),
  from: ts.nullable(),
  to: ts.nullable(),
  templateId: z.string().nullable(),
  service: z.string().nullable(),
  /** Robust z-score for spike-type findings. */
  z: z.number().nullable(),
  evidence: evidenceSchema,
});

export const windowSchema = z.object({
  from: ts,
  to: ts,
  lines: count,
  errors: count,
  description: z.string(),
  slice: z.string(),
});

export const templateSchema = z.object({
  id: z.string(),
  /** Loki `pattern` syntax: `<_>` marks a variable. */
  pattern: z.string(),
  lines: count,
  errors: count,
  warnings: count,
  share: fraction,
  errorShare: fraction,
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown']),
  levels: levelCounts,
  firstSeen: ts,
  lastSeen: ts,
  isNew: z.boolean(),
  services: z.array(z.object({ service: z.string(), lines: count, errors: count })),
  examples: z.array(exampleSchema),
});

export const reportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  version: z.literal(REPORT_VERSION),
  capture: z.object({ dir: z.string().nullable() }),
  options: z.object({
    windowSeconds: z.number().positive(),
    effectiveWindowSeconds: z.number().positive(),
    warmupSeconds: z.number().nonnegative(),
    since: ts.nullable(),
    spikeZ: z.number().positive(),
    lookback: count,
    peakWindowBuckets: count,
  }),
  span: z.object({ from: ts.nullable(), to: ts.nullable(), buckets: count }),
  totals: z.object({
    lines: count,
    bytes: count,
    errors: count,
    warnings: count,
    errorRate: fraction,
    levels: levelCounts,
    /** Lines per severity rule (field, token, http, keyword, ...). */
    classifiedBy: z.record(z.string(), count),
  }),
  mining: z.object({
    signatures: count,
    templates: count,
    templatesListed: count,
    coarsening: count,
    maxSignatures: count,
  }),
  timeline: z.array(z.object({ t: ts, lines: count, errors: count, warnings: count })),
  /** Per-template counts over time, aligned with `timeline`, for the busiest and top error templates. */
  templateSeries: z.array(z.object({ id: z.string(), lines: z.array(count), errors: z.array(count) })),
  templates: z.array(templateSchema),
  services: z.array(
    z.object({
      service: z.string(),
      labelKey: z.string(),
      lines: count,
      errors: count,
      warnings: count,
      errorRate: fraction,
      bytes: count,
      firstSeen: ts,
      lastSeen: ts,
      firstError: ts.nullable(),
      topErrorTemplate: z.string().nullable(),
    }),
  ),
  labels: z.array(
    z.object({
      key: z.string(),
      distinct: count,
      top: z.array(z.object({ value: z.string(), lines: count, errors: count })),
    }),
  ),
  spikes: z.array(
    z.object({
      kind: z.enum(['volume', 'errors', 'template']),
      direction: z.enum(['up', 'down']),
      templateId: z.string().nullable(),
      from: ts,
      to: ts,
      peakAt: ts,
      peak: count,
      baseline: z.number().nonnegative(),
      z: z.number(),
      total: count,
    }),
  ),
  windows: z.object({
    peakError: windowSchema.nullable(),
    incidentStart: windowSchema.extend({ basis: z.string() }).nullable(),
    steadyState: windowSchema.nullable(),
  }),
  findings: z.array(findingSchema),
});

export type TriageReport = z.infer<typeof reportSchema>;
export type ReportTemplate = z.infer<typeof templateSchema>;
export type Finding = z.infer<typeof findingSchema>;
export type FindingKind = (typeof findingKinds)[number];
export type Evidence = z.infer<typeof evidenceSchema>;
export type ReportWindow = z.infer<typeof windowSchema>;

/** Validates a parsed report.json; throws {@link TriageReportError} listing the first problems. */
export function parseReport(value: unknown, source = 'report'): TriageReport {
  const r = reportSchema.safeParse(value);
  if (!r.success) {
    throw new TriageReportError(
      source,
      r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return r.data;
}

/** Parses report.json text; throws {@link TriageReportError} on bad JSON or a schema mismatch. */
export function parseReportJson(text: string, source = 'report.json'): TriageReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TriageReportError(source, [`not JSON: ${(cause as Error).message}`], { cause });
  }
  return parseReport(value, source);
}
