/** A failure as the command prints it. */
export interface Failure {
  message: string;
  exit: number;
  suggestions: string[];
}

/**
 * Documented exit codes of tap, untap, check and status (also in docs/kubernetes.md and each command's
 * --help). 2 is also oclif's code for flag parsing errors.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  noCluster: 3,
  refused: 4,
  notFound: 5,
  forbidden: 6,
  conflict: 7,
  rollbackIncomplete: 8,
  rolloutTimeout: 9,
  leftovers: 10,
  missingPermissions: 11,
  leftoversAndPermissions: 12,
} as const;

export const EXIT_CODES_HELP = `Exit codes: 0 success; 1 unexpected error; 2 invalid flags; 3 no cluster configured or reachable, or credentials rejected; 4 refused by the production guard (production or unreadable namespace); 5 workload or namespace not found, or nothing matched; 6 forbidden by RBAC; 7 conflicts did not settle, or a partial failure was rolled back; 8 a rollback was incomplete (act on the message); 9 --wait timed out (the tap stays); check only: 10 leftovers found, 11 missing permissions, 12 both.`;

/** Turns an error into message, exit code and suggestions by its stable `code`. */
export function describeFailure(err: unknown, context: { namespace?: string | undefined } = {}): Failure {
  const e = err as { code?: unknown; message?: unknown; rollbackFailures?: unknown[] } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const ns = context.namespace ? ` -n ${context.namespace}` : '';
  switch (code) {
    case 'CLI_USAGE':
    case 'K8S_INVALID_OPTION':
      return { message, exit: EXIT.usage, suggestions: ['see --help for the accepted values'] };
    case 'K8S_NO_CLUSTER_CONFIGURED':
    case 'K8S_CONTEXT_NOT_FOUND':
      return {
        message,
        exit: EXIT.noCluster,
        suggestions: [
          'kubectl config get-contexts',
          'pass --context NAME or --kubeconfig PATH',
          'for a local cluster: kind create cluster (or k3d cluster create)',
        ],
      };
    case 'K8S_UNAUTHORIZED':
      return {
        message,
        exit: EXIT.noCluster,
        suggestions: [
          'kubectl get ns (to check the login)',
          'refresh the credentials of the context (e.g. your cloud CLI login)',
        ],
      };
    case 'K8S_CLUSTER_UNREACHABLE':
      return {
        message,
        exit: EXIT.noCluster,
        suggestions: ['kubectl cluster-info', 'check VPN / proxy and that the cluster is running'],
      };
    case 'K8S_PRODUCTION_NAMESPACE':
      return {
        message,
        exit: EXIT.refused,
        suggestions: [
          'make sure this is intended, then add --allow-prod',
          'or tap a staging namespace with -n',
        ],
      };
    case 'K8S_NAMESPACE_UNREADABLE':
      return {
        message,
        exit: EXIT.refused,
        suggestions: [
          `kubectl auth can-i get namespace/${context.namespace ?? 'NAME'}`,
          'ask for get on the namespace, or pass --allow-prod if you know it is not production',
        ],
      };
    case 'K8S_NOT_FOUND':
      return { message, exit: EXIT.notFound, suggestions: [`kubectl get deploy,sts,ds${ns}`] };
    case 'K8S_NO_WORKLOADS':
      return { message, exit: EXIT.notFound, suggestions: [`kubectl get deploy,sts,ds --show-labels${ns}`] };
    case 'K8S_SELF_TAP':
      return {
        message,
        exit: EXIT.usage,
        suggestions: ['tap the workloads that send logs, not the receiver'],
      };
    case 'K8S_FORBIDDEN':
      return {
        message,
        exit: EXIT.forbidden,
        suggestions: [`logtap check${ns} lists every permission logtap needs and which are missing`],
      };
    case 'K8S_CONFLICT':
      return {
        message,
        exit: EXIT.conflict,
        suggestions: [
          'another controller keeps changing the workload (GitOps, an operator?); pause it or retry',
        ],
      };
    case 'K8S_RBAC_NOT_OURS':
      return { message, exit: EXIT.conflict, suggestions: ['pick another --session'] };
    case 'K8S_TAP_PARTIAL_FAILURE': {
      const incomplete = Array.isArray(e?.rollbackFailures) && e.rollbackFailures.length > 0;
      return {
        message,
        exit: incomplete ? EXIT.rollbackIncomplete : EXIT.conflict,
        suggestions: incomplete
          ? [`logtap untap --all${ns}`, `logtap check${ns}`]
          : [`logtap check${ns} confirms nothing was left behind`],
      };
    }
    case 'K8S_API_ERROR':
      return { message, exit: EXIT.unexpected, suggestions: [] };
    default:
      return { message, exit: EXIT.unexpected, suggestions: [] };
  }
}

/** A usage error raised by the command layer (flag combinations oclif cannot express). */
export class UsageError extends Error {
  readonly code = 'CLI_USAGE';
}
