import { startKubeTestServer } from './dist/index.js';
import { writeFileSync } from 'node:fs';
const s = await startKubeTestServer();
s.createNamespace('shop', { env: 'staging' });
s.createNamespace('prod');
const dep = (name, ns) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, labels: { app: name } },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } } });
s.apply(dep('api-gateway', 'shop')); s.apply(dep('web', 'shop')); s.apply(dep('api', 'prod'));
writeFileSync('/tmp/kts/kc', s.kubeconfig({ namespace: 'shop' }));
console.log(s.url);
await new Promise(r => setTimeout(r, 120000));
await s.close();
