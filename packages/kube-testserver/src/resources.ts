/** The API resources the test server serves, with the discovery facts kubectl and client-node read. */
export interface ResourceType {
  /** API group, '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name as in URLs: `deployments`. */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Subresources served with the generic status semantics (e.g. `status`). */
  subresources: string[];
  /** metadata.generation is kept and bumped when anything outside metadata/status changes. */
  generation: boolean;
  /** Not stored: a create returns the evaluated object (SelfSubjectAccessReview). */
  virtual?: boolean;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function r(
  group: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version: 'v1',
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    subresources: [],
    generation: false,
    ...extra,
  };
}

/** Every resource type the server knows. Add a row to serve another one. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  r('', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status'] }),
  r('', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  r('', 'pods', 'Pod', true, { shortNames: ['po'], subresources: ['status'] }),
  r('', 'services', 'Service', true, { shortNames: ['svc'], subresources: ['status'] }),
  r('', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  r('', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  r('', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: ['status'] }),
  r('', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  r('apps', 'deployments', 'Deployment', true, {
    shortNames: ['deploy'],
    subresources: ['status'],
    generation: true,
  }),
  r('apps', 'statefulsets', 'StatefulSet', true, {
    shortNames: ['sts'],
    subresources: ['status'],
    generation: true,
  }),
  r('apps', 'daemonsets', 'DaemonSet', true, {
    shortNames: ['ds'],
    subresources: ['status'],
    generation: true,
  }),
  r('apps', 'replicasets', 'ReplicaSet', true, {
    shortNames: ['rs'],
    subresources: ['status'],
    generation: true,
  }),
  r('rbac.authorization.k8s.io', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { virtual: true }),
];

export function groupVersion(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** `deployments.apps`, as the real server names a resource in messages. */
export function qualifiedName(t: ResourceType): string {
  return t.group === '' ? t.plural : `${t.plural}.${t.group}`;
}

export function findType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function typeOfKind(kind: string): ResourceType {
  const t = RESOURCE_TYPES.find((x) => x.kind === kind);
  if (!t) throw new Error(`kube-testserver: unknown kind ${kind}`);
  return t;
}

/** The verbs discovery lists for a resource. */
export function verbsOf(t: ResourceType): string[] {
  return t.virtual ? ['create'] : ALL_VERBS;
}
