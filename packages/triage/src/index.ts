export { groupingAccuracy } from './accuracy.js';
export { Drain, type DrainCluster, type DrainOptions, similarity } from './drain.js';
export { inspectLine, type LineInfo } from './line.js';
export { maskMessage, maskToken, splitTokens, WILDCARD } from './mask.js';
export {
  DEFAULT_MINING,
  type MinedTemplate,
  type MiningOptions,
  type MiningResult,
  mineLines,
  mineSequences,
  type SequenceInput,
} from './mining.js';
export {
  classifyLine,
  classifyText,
  isErrorLevel,
  LEVELS,
  type Level,
  levelFromFields,
  levelFromSyslog,
  levelFromWord,
  type Severity,
  type SeverityReason,
} from './severity.js';
