export { type AccessRule, Authorizer, type Decision, type RequestAttributes } from './authz.js';
export { type ControllerOptions, Controllers } from './controllers.js';
export { type Fault, type FaultMatch, Faults } from './faults.js';
export { applyPatchBody, PATCH_TYPES, strategicMerge } from './patch.js';
export {
  type ContainerInstance,
  formatRfc3339NanoFixed,
  type LogLineInput,
  PodLogs,
  parseRfc3339Nano,
  type StoredLogLine,
} from './pod-logs.js';
export { RESOURCE_TYPES, type ResourceType } from './resources.js';
export { matchesLabels, parseLabelSelector, type Requirement } from './selector.js';
export {
  type KubeconfigOptions,
  KubeTestServer,
  type KubeTestServerOptions,
  type RequestRecord,
  type ResourceRequest,
  type SubresourceHandler,
  startKubeTestServer,
  type VersionInfo,
} from './server.js';
export { ApiStatusError, type StatusBody, type StatusCause } from './status.js';
export { type KubeObject, type ObjectMeta, ObjectStore, type StoreEvent } from './store.js';
export { type ExecHandler, type ExecRequest, PodStreams, type PortTarget } from './streams.js';
