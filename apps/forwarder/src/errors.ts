/** Stable codes of the forwarder's errors (the entry point logs them and exits with a non-zero status). */
export type ForwarderErrorCode =
  | 'FORWARDER_CONFIG'
  | 'FORWARDER_KUBE_CONFIG'
  | 'FORWARDER_KUBE_API'
  | 'FORWARDER_KUBE_UNREACHABLE'
  | 'FORWARDER_PUSH_REJECTED'
  | 'FORWARDER_HEALTH_PORT';

/** Base class of everything the forwarder throws on purpose. */
export abstract class ForwarderError extends Error {
  abstract readonly code: ForwarderErrorCode;
}

/** An environment variable is missing or invalid. */
export class ConfigError extends ForwarderError {
  readonly code = 'FORWARDER_CONFIG';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `invalid forwarder configuration: ${problems.join('; ')} (the variables are set by \`logtap tap\`; see docs/forwarder.md)`,
      options,
    );
    this.name = 'ConfigError';
  }
}

/** No usable Kubernetes client configuration (neither in-cluster nor a KUBECONFIG file). */
export class KubeConfigError extends ForwarderError {
  readonly code = 'FORWARDER_KUBE_CONFIG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeConfigError';
  }
}

/** The API server answered a request with an error status. */
export class KubeApiError extends ForwarderError {
  readonly code = 'FORWARDER_KUBE_API';
  constructor(
    readonly what: string,
    readonly status: number,
    readonly reason: string,
    readonly apiMessage: string,
    options?: ErrorOptions,
  ) {
    super(`${what}: HTTP ${status}${reason ? ` ${reason}` : ''}: ${apiMessage}${hintFor(status)}`, options);
    this.name = 'KubeApiError';
  }
}

function hintFor(status: number): string {
  if (status === 401) return ' (the service-account token was refused; is it mounted and not expired?)';
  if (status === 403)
    return ' (the pod service account needs `get` on pods and pods/log; `logtap tap` creates that Role — run `logtap check`)';
  return '';
}

/** The API server could not be reached (DNS, connection refused or reset, TLS, timeout). */
export class KubeUnreachableError extends ForwarderError {
  readonly code = 'FORWARDER_KUBE_UNREACHABLE';
  constructor(
    readonly what: string,
    readonly server: string,
    options?: ErrorOptions,
  ) {
    super(
      `${what}: cannot reach the Kubernetes API at ${server}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`,
      options,
    );
    this.name = 'KubeUnreachableError';
  }
}

/** The receiver refused a push for good (a 4xx other than 429): the batch is dropped and counted. */
export class PushRejectedError extends ForwarderError {
  readonly code = 'FORWARDER_PUSH_REJECTED';
  constructor(
    readonly status: number,
    readonly body: string,
    options?: ErrorOptions,
  ) {
    super(
      `the receiver rejected a push with HTTP ${status}: ${body.slice(0, 300)}${pushHint(status)}`,
      options,
    );
    this.name = 'PushRejectedError';
  }
}

function pushHint(status: number): string {
  if (status === 401 || status === 403) return ' (set LOGTAP_AUTH_TOKEN to the token `logtap recv` expects)';
  if (status === 404) return ' (LOGTAP_TARGET must be the base URL of a logtap receiver)';
  if (status === 413) return ' (lower LOGTAP_BATCH_BYTES or raise the receiver body limit)';
  return '';
}

/** The /healthz port could not be bound. */
export class HealthPortError extends ForwarderError {
  readonly code = 'FORWARDER_HEALTH_PORT';
  constructor(
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(
      `cannot listen on health port ${port}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'} (LOGTAP_HEALTH_PORT must be free in the pod)`,
      options,
    );
    this.name = 'HealthPortError';
  }
}
