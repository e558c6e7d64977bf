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
    counters: () => ({ ...counts }),
  };
}
