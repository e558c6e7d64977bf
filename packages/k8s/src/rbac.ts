import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { toPlain } from './client.js';
import { FORWARDER_PREFIX, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SESSION_LABEL } from './constants.js';
import { NotFoundError, RbacNotOursError } from './errors.js';
import type { JsonObject, PodTemplate } from './patch.js';

/** A service account a forwarder runs as. */
export interface Subject {
  kind: 'ServiceAccount';
  name: string;
  namespace: string;
}

/** Role and RoleBinding name of a session. */
export function rbacName(session: string): string {
  return `${FORWARDER_PREFIX}${session}`;
}

/** The service account pods of a template run as (`default` when unset). */
export function serviceAccountOf(template: PodTemplate): string {
  return template.spec?.serviceAccountName || template.spec?.serviceAccount || 'default';
}

function labels(session: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SESSION_LABEL]: session };
}

/** The session's Role: `get` on pods and pods/log in the namespace, nothing else. */
export function roleManifest(namespace: string, session: string): JsonObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: rbacName(session), namespace, labels: labels(session) },
    rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get'] }],
  };
}

/** The session's RoleBinding of that Role to exactly the service accounts of the tapped workloads. */
export function roleBindingManifest(
  namespace: string,
  session: string,
  serviceAccounts: readonly string[],
): JsonObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: rbacName(session), namespace, labels: labels(session) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: rbacName(session) },
    subjects: [...new Set(serviceAccounts)]
      .sort()
      .map((name) => ({ kind: 'ServiceAccount', name, namespace })),
  };
}

export interface RbacChange {
  role: 'created' | 'kept' | 'deleted' | 'absent';
  roleBinding: 'created' | 'updated' | 'kept' | 'deleted' | 'absent';
  subjects: string[];
}

function isOurs(o: JsonObject | undefined, session: string): boolean {
  const l = ((o?.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, string>;
  return l[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && l[SESSION_LABEL] === session;
}

async function readOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The Role `name` as plain JSON, or undefined when there is none. */
function readRole(client: KubeClient, name: string, namespace: string): Promise<JsonObject | undefined> {
  return readOrUndefined(
    client.call(`get role/${name}`, async () =>
      toPlain(await client.rbac.readNamespacedRole({ name, namespace })),
    ),
  );
}

/** The RoleBinding `name` as plain JSON, or undefined when there is none. */
function readRoleBinding(
  client: KubeClient,
  name: string,
  namespace: string,
): Promise<JsonObject | undefined> {
  return readOrUndefined(
    client.call(`get rolebinding/${name}`, async () =>
      toPlain(await client.rbac.readNamespacedRoleBinding({ name, namespace })),
    ),
  );
}

/**
 * Makes the session's Role and RoleBinding exist and bind exactly `serviceAccounts` (plus those already
 * bound when `merge`). Objects of that name not created by logtap for this session are left alone and
 * reported as an error by the caller (we never take over someone else's RBAC).
 */
export async function ensureSessionRbac(
  client: KubeClient,
  namespace: string,
  session: string,
  serviceAccounts: readonly string[],
  merge: boolean,
): Promise<RbacChange> {
  const name = rbacName(session);
  const role = await readRole(client, name, namespace);
  let roleState: RbacChange['role'] = 'kept';
  if (!role) {
    await client.call(`create role/${name} in namespace ${namespace}`, () =>
      client.rbac.createNamespacedRole({ namespace, body: roleManifest(namespace, session) as never }),
    );
    roleState = 'created';
  } else if (!isOurs(role, session)) {
    throw new RbacNotOursError(`role/${name}`, namespace, session);
  }
  const binding = await readRoleBinding(client, name, namespace);
  let existing: string[] = [];
  if (binding) {
    if (!isOurs(binding, session)) {
      throw new RbacNotOursError(`rolebinding/${name}`, namespace, session);
    }
    existing = ((binding.subjects as Subject[] | undefined) ?? []).map((s) => s.name);
  }
  const subjects = [...new Set([...(merge ? existing : []), ...serviceAccounts])].sort();
  const manifest = roleBindingManifest(namespace, session, subjects);
  if (!binding) {
    await client.call(`create rolebinding/${name} in namespace ${namespace}`, () =>
      client.rbac.createNamespacedRoleBinding({ namespace, body: manifest as never }),
    );
    return { role: roleState, roleBinding: 'created', subjects };
  }
  if (JSON.stringify([...existing].sort()) === JSON.stringify(subjects))
    return { role: roleState, roleBinding: 'kept', subjects };
  const rv = String((binding.metadata as JsonObject).resourceVersion);
  await client.call(`update rolebinding/${name} in namespace ${namespace}`, () =>
    client.rbac.patchNamespacedRoleBinding(
      {
        name,
        namespace,
        body: [
          { op: 'replace', path: '/metadata/resourceVersion', value: rv },
          { op: binding.subjects ? 'replace' : 'add', path: '/subjects', value: manifest.subjects },
        ],
      },
      jsonPatchHeader(),
    ),
  );
  return { role: roleState, roleBinding: 'updated', subjects };
}

/** Deletes the session's Role and RoleBinding if they exist and are logtap's for this session. Idempotent. */
export async function deleteSessionRbac(
  client: KubeClient,
  namespace: string,
  session: string,
): Promise<RbacChange> {
  const name = rbacName(session);
  const binding = await readRoleBinding(client, name, namespace);
  let rb: RbacChange['roleBinding'] = 'absent';
  if (binding && isOurs(binding, session)) {
    await readOrUndefined(
      client.call(`delete rolebinding/${name}`, () =>
        client.rbac.deleteNamespacedRoleBinding({ name, namespace }),
      ),
    );
    rb = 'deleted';
  }
  const role = await readRole(client, name, namespace);
  let r: RbacChange['role'] = 'absent';
  if (role && isOurs(role, session)) {
    await readOrUndefined(
      client.call(`delete role/${name}`, () => client.rbac.deleteNamespacedRole({ name, namespace })),
    );
    r = 'deleted';
  }
  return { role: r, roleBinding: rb, subjects: [] };
}

function jsonPatchHeader() {
  return setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
}
