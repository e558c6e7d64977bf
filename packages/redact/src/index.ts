export { type CustomRule, type CustomRuleSet, loadCustomRules, parseCustomRules } from './custom.js';
export { PatternError, RedactConfigError, RedactError, RulesFileError, UnknownRuleError } from './errors.js';
export {
  compileRedactor,
  type Finding,
  type RedactionPolicy,
  type Redactor,
  type RedactorOptions,
  type RedactResult,
} from './redactor.js';
export { BUILTIN_RULES_VERSION, listRules, RULE_GROUPS, type RuleInfo } from './rules/index.js';
export { parseRuleList, resolveRules } from './select.js';
export {
  createRedactStream,
  LineRedactor,
  type RedactStreamOptions,
  redactLines,
} from './stream.js';
export { cardIssuerPlausible, ibanValid, luhnValid } from './validators.js';
