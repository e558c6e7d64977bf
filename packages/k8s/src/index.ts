export {
  type CheckOptions,
  type CheckReport,
  check,
  type Leftovers,
  type PermissionCheck,
  REQUIRED_PERMISSIONS,
} from './check.js';
export { KubeClient, type KubeClientOptions, type PatchOp, type Workload } from './client.js';
export {
  ANNOTATION_ORIGINAL,
  ANNOTATION_TAPPED,
  ANNOTATION_TARGET,
  DEFAULT_SIDECAR_CPU,
  DEFAULT_SIDECAR_MEMORY,
  defaultForwarderImage,
  FORWARDER_PREFIX,
  ISTIO_EXCLUDE_OUTBOUND,
  LINKERD_SKIP_OUTBOUND,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  WORKLOAD_KINDS,
  type WorkloadKind,
  type WorkloadRef,
} from './constants.js';
export { unifiedDiff } from './diff.js';
export {
  ClusterUnreachableError,
  ConflictError,
  ContextNotFoundError,
  CopyBackError,
  ForbiddenError,
  InvalidOptionError,
  K8sError,
  KubeApiError,
  NamespaceUnreadableError,
  NoClusterConfiguredError,
  NotFoundError,
  NoWorkloadsError,
  ProductionNamespaceError,
  RbacNotOursError,
  ReceiverExistsError,
  ReceiverNotReadyError,
  RolloutTimeoutError,
  SelfTapError,
  TapPartialFailureError,
  UnauthorizedError,
} from './errors.js';
export {
  copyInClusterCapture,
  deleteInClusterReceiver,
  forwardInClusterReceiver,
  type InClusterReceiver,
  type PortForwardHandle,
  startInClusterReceiver,
  stopInClusterReceiver,
  type WaitOptions,
  waitForInClusterReceiver,
} from './in-cluster.js';
export { guardedPatch } from './json-patch.js';
export { type KubeConnection, type LoadKubeConfigOptions, loadKubeConfig } from './kubeconfig.js';
export {
  parsePrometheusText,
  probeReceiver,
  type ReceiverCounters,
  type ReceiverProbe,
  receiverCounters,
  type Sample,
} from './metrics.js';
export type { Selection } from './ops.js';
export {
  type OriginalRecord,
  type PodTemplate,
  readTapState,
  type TapSpec,
  type TapState,
  type TemplateChange,
  tapTemplate,
  untapTemplate,
} from './patch.js';
export { classifyNamespace, type ProdVerdict } from './prod-guard.js';
export { doubleQuantity, parseQuantity } from './quantity.js';
export type { QuotaLine } from './quota.js';
export { roleBindingManifest, roleManifest } from './rbac.js';
export {
  CAPTURE_CONTAINER,
  captureVolumeLimit,
  defaultReceiverImage,
  RECEIVER_CAPTURE_DIR,
  RECEIVER_CONTAINER,
  RECEIVER_PORT,
  type ReceiverSpec,
  RUN_LABEL,
  receiverPodManifest,
  receiverServiceManifest,
} from './receiver-manifest.js';
export { type RolloutResult, rolloutState } from './rollout.js';
export { generateSessionId, validateSessionId } from './session.js';
export {
  type SessionStatus,
  type StatusOptions,
  type StatusReport,
  status,
  type WorkloadStatus,
} from './status.js';
export { type TapOptions, type TapResult, type TapWorkloadResult, tap } from './tap.js';
export { type ExtractResult, TarExtractor } from './tar.js';
export { parseTarget, type Target } from './target.js';
export { type UntapOptions, type UntapResult, type UntapWorkloadResult, untap } from './untap.js';
