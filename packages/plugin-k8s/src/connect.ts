import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeClient, loadKubeConfig } from '@logtap/k8s';

export interface KubeFlagValues {
  context?: string | undefined;
  namespace?: string | undefined;
  kubeconfig?: string | undefined;
}

/**
 * The kubeconfig search the commands use, from flags and the environment (read here, in the command
 * layer): --kubeconfig, else every entry of $KUBECONFIG, else ~/.kube/config.
 */
export function kubeconfigPaths(flags: KubeFlagValues, env: NodeJS.ProcessEnv = process.env): string[] {
  if (flags.kubeconfig) return [flags.kubeconfig];
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [join(homedir(), '.kube', 'config')];
}

export function connect(flags: KubeFlagValues): KubeClient {
  const conn = loadKubeConfig({
    paths: kubeconfigPaths(flags),
    context: flags.context,
    namespace: flags.namespace,
  });
  return new KubeClient(conn);
}
