import type { Redactor } from '../types.js';

/** A two-rule redactor (email, secret=…) with per-rule counters, standing in for @logtap/redact. */
export function testRedactor(): Redactor {
  const rules: Array<[string, RegExp]> = [
    ['email', /[\w.+-]+@[\w-]+\.[\w.]+/g],
    ['secret', /secret=\S+/g],
  ];
  const counts: Record<string, number> = { email: 0, secret: 0 };
  return {
    rules: rules.map(([name]) => name),
    policyHash: 'test-policy',
    redact(text: string) {
      let hits = 0;
      let out = text;
      for (const [name, re] of rules) {
        out = out.replace(re, () => {
          hits++;
          counts[name] = (counts[name] ?? 0) + 1;
          return `[REDACTED:${name}]`;
        });
      }
      return { text: out, hits };
    },
    redactLabels(labels) {
      let out: Record<string, string> | undefined;
      for (const key of Object.keys(labels)) {
        const next = this.redact(labels[key]!).text;
        if (next === labels[key]) continue;
        out ??= Object.assign(Object.create(null) as Record<string, string>, labels);
        out[key] = next;
      }
      return out ?? (labels as Record<string, string>);
    },
    counters: () => ({ ...counts }),
  };
}
