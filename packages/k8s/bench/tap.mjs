// Tap and untap N Deployments against the in-process test API server, through @kubernetes/client-node:
// workloads per second for each phase and the peak RSS. Run after `pnpm build`: pnpm bench [N]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeTestServer } from '@logtap/kube-testserver';
import { KubeClient, loadKubeConfig, tap, untap } from '../dist/index.js';

const n = Number(process.argv[2] ?? 200);
// Manual rollouts: measure logtap's side, not the test server's pod simulation.
const server = await startKubeTestServer({ controllers: { rollout: 'manual' } });
server.createNamespace('bench');
for (let i = 0; i < n; i++) {
  const name = `svc-${i}`;
  server.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'bench', labels: { app: name, bench: 'yes' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `${name}:1` }] },
      },
    },
  });
}
const dir = await mkdtemp(join(tmpdir(), 'logtap-bench-'));
await writeFile(join(dir, 'config'), server.kubeconfig({ namespace: 'bench' }));
const client = new KubeClient(loadKubeConfig({ paths: [join(dir, 'config')] }));
const common = { namespace: 'bench', session: 'lt-bench', target: 'recv.logtap:3100', image: 'f:1' };

let t = performance.now();
await tap(client, { ...common, selection: { by: 'selector', selector: 'bench=yes' }, dryRun: true });
const dry = performance.now() - t;
t = performance.now();
const res = await tap(client, { ...common, selection: { by: 'selector', selector: 'bench=yes' } });
const tapMs = performance.now() - t;
t = performance.now();
await untap(client, { namespace: 'bench', selection: { by: 'all' } });
const untapMs = performance.now() - t;
const rate = (ms) => ((n / ms) * 1000).toFixed(0);
console.log(`workloads: ${n} (tapped ${res.workloads.filter((w) => w.action === 'tapped').length})`);
console.log(`tap --dry-run: ${dry.toFixed(0)} ms (${rate(dry)} workloads/s)`);
console.log(`tap:           ${tapMs.toFixed(0)} ms (${rate(tapMs)} workloads/s)`);
console.log(`untap:         ${untapMs.toFixed(0)} ms (${rate(untapMs)} workloads/s)`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
await server.close();
await rm(dir, { recursive: true, force: true });
