import type { KubeClient } from './client.js';
import {
  ForbiddenError,
  K8sError,
  NamespaceUnreadableError,
  NotFoundError,
  ProductionNamespaceError,
} from './errors.js';
import type { JsonObject } from './patch.js';

export interface ProdVerdict {
  production: boolean;
  /** Why it is (or, for an explicit opt-out, is not) production. */
  reasons: string[];
}

const PROD_VALUES = new Set(['prod', 'production']);
/** `prod`, `production` or `prd` as a word of the name (split at `-`, `.`, `_`). */
const PROD_WORD = /(^|[-._])(prod|production|prd)($|[-._])/i;

/**
 * Whether a namespace is production: a label `env` or `environment` = prod | production (any case), or
 * `logtap.dev/prod=true`, or the name has prod / production / prd as a word. A namespace named like
 * production can be cleared by its owner with the label `logtap.dev/prod=false`; labels saying prod win.
 */
export function classifyNamespace(name: string, labels: Record<string, string> = {}): ProdVerdict {
  const reasons: string[] = [];
  for (const key of ['env', 'environment']) {
    const v = labels[key];
    if (v !== undefined && PROD_VALUES.has(v.toLowerCase())) reasons.push(`label ${key}=${v}`);
  }
  if (labels['logtap.dev/prod']?.toLowerCase() === 'true') reasons.push('label logtap.dev/prod=true');
  if (reasons.length > 0) return { production: true, reasons };
  if (PROD_WORD.test(name)) {
    if (labels['logtap.dev/prod']?.toLowerCase() === 'false') {
      return {
        production: false,
        reasons: [`name "${name}" looks like production but label logtap.dev/prod=false clears it`],
      };
    }
    return {
      production: true,
      reasons: [`name "${name}" contains a production word (prod, production, prd)`],
    };
  }
  return { production: false, reasons: [] };
}

export interface GuardResult {
  verdict: ProdVerdict;
  /** The namespace object, when it could be read (for mesh injection labels). */
  namespace: JsonObject | undefined;
  /** Set when the guard let a production or unreadable namespace through because of allowProd. */
  override: string | undefined;
}

/**
 * The production guard, fail-closed: reads the namespace; refuses a production one unless `allowProd`,
 * and refuses when the namespace cannot be read (forbidden, server error) unless `allowProd`. A missing
 * namespace is a NotFoundError (there is nothing to tap).
 */
export async function guardNamespace(
  client: KubeClient,
  namespace: string,
  allowProd: boolean,
): Promise<GuardResult> {
  let ns: JsonObject;
  try {
    ns = await client.readNamespace(namespace);
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    if (err instanceof K8sError && err.code === 'K8S_CLUSTER_UNREACHABLE') throw err;
    const reason =
      err instanceof ForbiddenError ? 'forbidden' : err instanceof Error ? err.message : String(err);
    if (!allowProd) throw new NamespaceUnreadableError(namespace, reason, { cause: err });
    return {
      verdict: classifyNamespace(namespace),
      namespace: undefined,
      override: `namespace "${namespace}" could not be read (${reason}); proceeding because of --allow-prod`,
    };
  }
  const labels = ((ns.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, string>;
  const verdict = classifyNamespace(namespace, labels);
  if (verdict.production && !allowProd) throw new ProductionNamespaceError(namespace, verdict.reasons);
  return {
    verdict,
    namespace: ns,
    override: verdict.production
      ? `namespace "${namespace}" is production (${verdict.reasons.join('; ')}); proceeding because of --allow-prod`
      : undefined,
  };
}
