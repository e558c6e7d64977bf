/**
 * @logtap/forwarder: the sidecar that reads its own pod's container logs through the Kubernetes API and
 * pushes them to a logtap receiver. The program is `logtap-forwarder` (src/main.ts); this is its library.
 */
export { type Batch, Batcher, type BatcherOptions } from './batcher.js';
export { type ForwarderConfig, parseBytes, parseConfig, parseDurationMs } from './config.js';
export {
  ConfigError,
  ForwarderError,
  type ForwarderErrorCode,
  HealthPortError,
  KubeApiError,
  KubeConfigError,
  KubeUnreachableError,
  PushRejectedError,
} from './errors.js';
export {
  DEFAULTS,
  Forwarder,
  type ForwarderOptions,
  type ForwarderSummary,
  type StopOptions,
  shutdownBudget,
} from './forwarder.js';
export {
  type InClusterOptions,
  inClusterEndpoint,
  KubeClient,
  type KubeClientOptions,
  type KubeEndpoint,
  kubeconfigEndpoint,
  type LogRequest,
  SERVICE_ACCOUNT_DIR,
} from './kube.js';
export { LineSplitter } from './lines.js';
export { jsonLogger, type Logger, type LogLevel, silentLogger } from './logger.js';
export { ForwarderMetrics, Metric } from './metrics.js';
export { appOf, type ContainerView, FORWARDER_PREFIX, isForwarded, type PodView, podView } from './pod.js';
export { Pusher, type PusherOptions, retryAfterMs } from './pusher.js';
export { ResumePoint } from './resume.js';
export { ContainerTailer, type TailerOptions } from './tailer.js';
export { formatNs, formatSinceTime, LineTimestampParser, parseRfc3339 } from './timestamp.js';
