export { groupingAccuracy } from './accuracy.js';
export {
  detectSpikes,
  peakWindow,
  poissonLower,
  poissonUpper,
  robustScores,
  type SpikeOptions,
  type SpikePoint,
  type SpikeRun,
} from './anomaly.js';
export {
  DIFF_SCHEMA,
  DIFF_VERSION,
  type DiffOptions,
  type DiffTemplate,
  diffReports,
  type ReportDiff,
  renderDiffJson,
  renderDiffMarkdown,
  type SideSummary,
  type Verdict,
} from './diff.js';
export { Drain, type DrainCluster, type DrainOptions, similarity } from './drain.js';
export {
  coarsenTokens,
  type EngineOptions,
  type Example,
  type LevelCounts,
  type ServiceState,
  type SignatureState,
  TriageAccumulator,
  type TriageEntry,
  type TriageState,
} from './engine.js';
export { TriageError, TriageMergeError, TriageOptionError, TriageReportError } from './errors.js';
export { escapeHtml, renderHtml, renderTimelineSvg } from './html.js';
export { inspectLine, type LineInfo } from './line.js';
export { maskMessage, maskToken, WILDCARD } from './mask.js';
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
  csvField,
  renderReportJson,
  renderSummaryMarkdown,
  renderTemplatesCsv,
  renderTimelineCsv,
} from './render.js';
export {
  buildReport,
  formatDuration,
  type ReportOptions,
  sliceCommand,
  type TriageOptions,
  templateId,
  toPattern,
  triage,
} from './report.js';
export {
  type Evidence,
  type Finding,
  type FindingKind,
  findingKinds,
  parseReport,
  parseReportJson,
  REPORT_SCHEMA,
  REPORT_VERSION,
  type ReportTemplate,
  type ReportWindow,
  reportSchema,
  type TriageReport,
} from './schema.js';
export { SERVICE_LABELS, type Service, serviceOf } from './service.js';
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
export { formatTs, parseTs } from './time.js';
