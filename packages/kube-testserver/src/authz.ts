/** What the server authorizes, as in a SubjectAccessReview's resourceAttributes. */
export interface RequestAttributes {
  user: string;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** A rule; every field that is set must match (`*` or a missing field matches anything). */
export interface AccessRule {
  users?: string[];
  verbs?: string[];
  groups?: string[];
  /** Resource names, `pods/log` style for subresources. */
  resources?: string[];
  namespaces?: string[];
  names?: string[];
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

const anyOf = (list: string[] | undefined, v: string) => !list || list.includes('*') || list.includes(v);

function matches(rule: AccessRule, a: RequestAttributes): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (
    anyOf(rule.users, a.user) &&
    anyOf(rule.verbs, a.verb) &&
    anyOf(rule.groups, a.group) &&
    anyOf(rule.resources, res) &&
    anyOf(rule.namespaces, a.namespace) &&
    anyOf(rule.names, a.name)
  );
}

/**
 * The server's authorizer, used for every request and for SelfSubjectAccessReview. By default everything
 * is allowed; `deny` rules win over everything; `allowOnly` switches to an allow-list.
 */
export class Authorizer {
  private denies: AccessRule[] = [];
  private allows: AccessRule[] | undefined;

  /** Denies what matches `rule`; returns a function that removes the rule again. */
  deny(rule: AccessRule): () => void {
    this.denies.push(rule);
    return () => {
      this.denies = this.denies.filter((r) => r !== rule);
    };
  }

  /** Allows only what matches one of `rules` (deny rules still apply). */
  allowOnly(rules: AccessRule[]): void {
    this.allows = [...rules];
  }

  reset(): void {
    this.denies = [];
    this.allows = undefined;
  }

  check(a: RequestAttributes): Decision {
    if (this.denies.some((r) => matches(r, a))) return { allowed: false, reason: 'denied by a test rule' };
    if (this.allows && !this.allows.some((r) => matches(r, a)))
      return { allowed: false, reason: 'not in the allow-list' };
    return { allowed: true, reason: 'allowed by the test server policy' };
  }
}

/** The message of a 403 Forbidden, worded as the real API server's RBAC authorizer does. */
export function forbiddenMessage(a: RequestAttributes, qualified: string): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden`;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${subject}: User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${scope}`;
}
