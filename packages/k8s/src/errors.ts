/** Base of every error @logtap/k8s throws; `code` is stable and commands translate by it. */
export class K8sError extends Error {
  readonly code: string = 'K8S_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No kubeconfig file, or one without a usable context/cluster. */
export class NoClusterConfiguredError extends K8sError {
  override readonly code = 'K8S_NO_CLUSTER_CONFIGURED';
  constructor(
    readonly searched: readonly string[],
    detail?: string,
  ) {
    super(
      `no Kubernetes cluster is configured${detail ? `: ${detail}` : ''} (looked in ${searched.join(', ') || 'nothing'}); set KUBECONFIG or create ~/.kube/config (e.g. with kind, k3d or your provider's CLI)`,
    );
  }
}

/** `--context` names a context that is not in the kubeconfig. */
export class ContextNotFoundError extends K8sError {
  override readonly code = 'K8S_CONTEXT_NOT_FOUND';
  constructor(
    readonly context: string,
    readonly available: readonly string[],
  ) {
    super(`context "${context}" is not in the kubeconfig; available: ${available.join(', ') || '(none)'}`);
  }
}

/** The API server could not be reached (connection refused, DNS, TLS, timeout). */
export class ClusterUnreachableError extends K8sError {
  override readonly code = 'K8S_CLUSTER_UNREACHABLE';
  constructor(
    readonly server: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot reach the Kubernetes API server at ${server}: ${reason}; check the cluster is running and the kubeconfig context is right`,
      options,
    );
  }
}

/** The API server answered with an error status (`status` is the HTTP code, `reason` the Status reason). */
export class KubeApiError extends K8sError {
  override readonly code: string = 'K8S_API_ERROR';
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 401: the API server rejected the credentials of the kubeconfig (expired token, wrong certificate). */
export class UnauthorizedError extends KubeApiError {
  override readonly code = 'K8S_UNAUTHORIZED';
}

/** 403: the current user may not do something logtap needs. */
export class ForbiddenError extends KubeApiError {
  override readonly code = 'K8S_FORBIDDEN';
}

/** 404 for an object the user named. */
export class NotFoundError extends KubeApiError {
  override readonly code = 'K8S_NOT_FOUND';
}

/** 409 Conflict that did not go away within the retry budget. */
export class ConflictError extends KubeApiError {
  override readonly code = 'K8S_CONFLICT';
}

/** A flag or option is invalid (target, quantity, session id, selection). */
export class InvalidOptionError extends K8sError {
  override readonly code = 'K8S_INVALID_OPTION';
  constructor(
    readonly option: string,
    readonly value: string,
    expected: string,
  ) {
    super(`invalid ${option} "${value}": ${expected}`);
  }
}

/** The namespace is production (by label or name) and `allowProd` was not given. */
export class ProductionNamespaceError extends K8sError {
  override readonly code = 'K8S_PRODUCTION_NAMESPACE';
  constructor(
    readonly namespace: string,
    readonly reasons: readonly string[],
  ) {
    super(
      `namespace "${namespace}" looks like production (${reasons.join('; ')}); refusing to change it without --allow-prod`,
    );
  }
}

/** The namespace could not be read, so the production guard cannot clear it (fail-closed). */
export class NamespaceUnreadableError extends K8sError {
  override readonly code = 'K8S_NAMESPACE_UNREADABLE';
  constructor(
    readonly namespace: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot read namespace "${namespace}" to check whether it is production (${reason}); refusing to change it without --allow-prod (fail-closed)`,
      options,
    );
  }
}

/** Nothing matched the workload selection. */
export class NoWorkloadsError extends K8sError {
  override readonly code = 'K8S_NO_WORKLOADS';
}

/** The selection names logtap's own receiver (labelled app.kubernetes.io/managed-by=logtap). */
export class SelfTapError extends K8sError {
  override readonly code = 'K8S_SELF_TAP';
  constructor(readonly workload: string) {
    super(
      `${workload} is logtap's own receiver (app.kubernetes.io/managed-by=logtap); logtap never taps itself`,
    );
  }
}

/** A multi-workload tap failed part-way; what was tapped has been rolled back (see `rollback`). */
export class TapPartialFailureError extends K8sError {
  override readonly code = 'K8S_TAP_PARTIAL_FAILURE';
  constructor(
    readonly failed: string,
    readonly rolledBack: readonly string[],
    readonly rollbackFailures: readonly { workload: string; error: string }[],
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    const rb =
      rollbackFailures.length === 0
        ? `rolled back ${rolledBack.length === 0 ? 'nothing (nothing had been changed)' : rolledBack.join(', ')}`
        : `ROLLBACK INCOMPLETE for ${rollbackFailures.map((f) => `${f.workload} (${f.error})`).join(', ')}; run logtap untap for them`;
    super(`tapping ${failed} failed: ${cause}; ${rb}`, options);
  }
}

/** `wait` was set and a rollout did not finish in time. */
export class RolloutTimeoutError extends K8sError {
  override readonly code = 'K8S_ROLLOUT_TIMEOUT';
  constructor(
    readonly workloads: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(
      `rollout of ${workloads.join(', ')} did not finish within ${Math.round(timeoutMs / 1000)}s; check the pods (kubectl describe) — the tap stays in place, remove it with logtap untap`,
    );
  }
}

/** A Role/RoleBinding with the session's name exists but is not logtap's: it is never taken over. */
export class RbacNotOursError extends K8sError {
  override readonly code = 'K8S_RBAC_NOT_OURS';
  constructor(
    readonly object: string,
    readonly namespace: string,
    readonly session: string,
  ) {
    super(
      `${object} in namespace ${namespace} exists but is not labelled as logtap's for session ${session}; logtap does not take over RBAC it did not create — use another --session or remove it`,
    );
  }
}

/** `recv --in-cluster`: a receiver pod of that name is already there (a running or an abandoned run). */
export class ReceiverExistsError extends K8sError {
  override readonly code = 'K8S_RECEIVER_EXISTS';
  constructor(
    readonly namespace: string,
    readonly pod: string,
    readonly createdAt: string,
    readonly run: string,
  ) {
    super(
      `a logtap receiver already runs in namespace ${namespace} (pod ${pod}${createdAt ? `, created ${createdAt}` : ''}${run ? `, run ${run}` : ''}); stop that run first, or remove a leftover with: kubectl delete pod,svc -n ${namespace} -l app.kubernetes.io/managed-by=logtap,app.kubernetes.io/name=logtap-receiver (logtap check lists leftovers)`,
    );
  }
}

/** `recv --in-cluster`: the receiver pod did not become ready (image pull, crash loop, scheduling, timeout). */
export class ReceiverNotReadyError extends K8sError {
  override readonly code = 'K8S_RECEIVER_NOT_READY';
  constructor(
    readonly namespace: string,
    readonly pod: string,
    readonly reason: string,
  ) {
    super(
      `the in-cluster receiver ${namespace}/${pod} did not become ready: ${reason}; see kubectl describe pod -n ${namespace} ${pod} (a private registry needs --image, an image pull secret is not set by logtap)`,
    );
  }
}

/** `recv --in-cluster`: the capture could not be copied back from the receiver pod. */
export class CopyBackError extends K8sError {
  override readonly code = 'K8S_COPY_BACK_FAILED';
  constructor(
    readonly dir: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`could not copy the capture back into ${dir}: ${reason}`, options);
  }
}
