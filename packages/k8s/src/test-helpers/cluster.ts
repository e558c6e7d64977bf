import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KubeObject,
  type KubeTestServer,
  type KubeTestServerOptions,
  startKubeTestServer,
} from '@logtap/kube-testserver';
import { KubeClient } from '../client.js';
import { loadKubeConfig } from '../kubeconfig.js';

export interface TestCluster {
  server: KubeTestServer;
  client: KubeClient;
  kubeconfigPath: string;
  close(): Promise<void>;
}

/** A test API server plus a KubeClient that reaches it through a kubeconfig file, as the CLI does. */
export async function startCluster(
  opts: KubeTestServerOptions & { namespace?: string } = {},
): Promise<TestCluster> {
  const server = await startKubeTestServer(opts);
  const dir = await mkdtemp(join(tmpdir(), 'logtap-k8s-'));
  const kubeconfigPath = join(dir, 'config');
  await writeFile(kubeconfigPath, server.kubeconfig({ namespace: opts.namespace ?? 'shop' }), {
    mode: 0o600,
  });
  const client = new KubeClient(loadKubeConfig({ paths: [kubeconfigPath] }), { timeoutMs: 5000 });
  return {
    server,
    client,
    kubeconfigPath,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function workload(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  name: string,
  namespace: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    podSpec?: Record<string, unknown>;
    replicas?: number;
  } = {},
): KubeObject {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
      spec: {
        containers: [
          { name: 'app', image: `registry.example.com/${name}:1.0`, ports: [{ containerPort: 8080 }] },
        ],
        ...extra.podSpec,
      },
    },
  };
  if (kind !== 'DaemonSet') spec.replicas = extra.replicas ?? 2;
  if (kind === 'StatefulSet') spec.serviceName = name;
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace, labels: { app: name, ...extra.labels } },
    spec,
  };
}

/** The object without what the server manages (resourceVersion, generation, managedFields, status). */
export function userFields(o: KubeObject | undefined): string {
  if (!o) return 'undefined';
  const { status: _s, ...rest } = o;
  const { resourceVersion: _r, generation: _g, managedFields: _m, ...meta } = rest.metadata ?? {};
  return JSON.stringify({ ...rest, metadata: meta });
}
