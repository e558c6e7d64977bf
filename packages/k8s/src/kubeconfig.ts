import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { ContextNotFoundError, NoClusterConfiguredError } from './errors.js';

export interface LoadKubeConfigOptions {
  /**
   * Kubeconfig files in precedence order: the entries of `KUBECONFIG` (split on the path delimiter) or,
   * when it is unset, `~/.kube/config`. The command layer reads the environment and passes them in.
   */
  paths: readonly string[];
  /** `--context`; default the kubeconfig's current-context. */
  context?: string | undefined;
  /** `-n/--namespace`; default the context's namespace, then `default`. */
  namespace?: string | undefined;
}

/** A kubeconfig resolved to one context. */
export interface KubeConnection {
  kubeConfig: KubeConfig;
  context: string;
  cluster: string;
  server: string;
  namespace: string;
  /** Whether `namespace` came from the flag/context rather than the `default` fallback. */
  namespaceExplicit: boolean;
}

/**
 * Loads kubeconfig files the way kubectl merges them: the first file that sets a cluster, user, context
 * or current-context wins. Throws NoClusterConfiguredError when nothing usable is found and
 * ContextNotFoundError for an unknown `--context`.
 */
export function loadKubeConfig(opts: LoadKubeConfigOptions): KubeConnection {
  const found = opts.paths.filter((p) => p !== '' && existsSync(p));
  if (found.length === 0) throw new NoClusterConfiguredError(opts.paths, 'no kubeconfig file found');
  const merged = new KubeConfig();
  merged.clusters = [];
  merged.users = [];
  merged.contexts = [];
  merged.currentContext = '';
  for (const path of found) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new NoClusterConfiguredError(opts.paths, `cannot read ${path}: ${(err as Error).message}`);
    }
    for (const c of kc.clusters) if (!merged.clusters.some((x) => x.name === c.name)) merged.clusters.push(c);
    for (const u of kc.users) if (!merged.users.some((x) => x.name === u.name)) merged.users.push(u);
    for (const c of kc.contexts) if (!merged.contexts.some((x) => x.name === c.name)) merged.contexts.push(c);
    if (!merged.currentContext && kc.currentContext) merged.currentContext = kc.currentContext;
  }
  const names = merged.contexts.map((c) => c.name);
  if (names.length === 0) throw new NoClusterConfiguredError(found, 'the kubeconfig defines no contexts');
  const contextName = opts.context ?? merged.currentContext;
  if (!contextName)
    throw new NoClusterConfiguredError(
      found,
      `no current-context is set; pass --context (one of ${names.join(', ')})`,
    );
  const ctx = merged.contexts.find((c) => c.name === contextName);
  if (!ctx) throw new ContextNotFoundError(contextName, names);
  merged.setCurrentContext(contextName);
  const cluster = merged.clusters.find((c) => c.name === ctx.cluster);
  if (!cluster?.server) {
    throw new NoClusterConfiguredError(
      found,
      `context "${contextName}" uses cluster "${ctx.cluster}", which has no server in the kubeconfig`,
    );
  }
  const namespace = opts.namespace ?? ctx.namespace;
  return {
    kubeConfig: merged,
    context: contextName,
    cluster: cluster.name,
    server: cluster.server,
    namespace: namespace || 'default',
    namespaceExplicit: Boolean(namespace),
  };
}
