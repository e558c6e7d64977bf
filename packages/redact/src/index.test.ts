import { describe, expect, it } from '@jest/globals';
import * as cli from './cli.js';
import * as api from './index.js';

// The public surface is a contract (docs/contracts.md): a change here must be a reviewed diff.
describe('public exports', () => {
  it('of "@logtap/redact"', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BUILTIN_RULES_VERSION',
      'LineRedactor',
      'PatternError',
      'RULE_GROUPS',
      'RedactConfigError',
      'RedactError',
      'RulesFileError',
      'UnknownRuleError',
      'cardIssuerPlausible',
      'compileRedactor',
      'createRedactStream',
      'ibanValid',
      'listRules',
      'loadCustomRules',
      'luhnValid',
      'parseCustomRules',
      'parseRuleList',
      'redactLines',
      'resolveRules',
    ]);
  });

  it('of "@logtap/redact/cli"', () => {
    expect(Object.keys(cli).sort()).toEqual(['EXIT_ERROR', 'EXIT_FINDINGS', 'EXIT_OK', 'runRedactCommand']);
  });

  it('every rule listed has a group and a description', () => {
    for (const r of api.listRules()) {
      expect(r.name).toMatch(/^[a-z][a-z0-9_]+$/);
      expect(['secrets', 'pii', 'network']).toContain(r.group);
      expect(r.description.length).toBeGreaterThan(10);
    }
    expect(api.listRules()).toHaveLength(26);
  });
});
