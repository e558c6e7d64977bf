import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEFAULT_SIDECAR_CPU, DEFAULT_SIDECAR_MEMORY } from '@logtap/k8s';
import { type KubeObject, type KubeTestServer, startKubeTestServer } from '@logtap/kube-testserver';
import { DEFAULT_CPU, DEFAULT_MEMORY } from '../src/flags.js';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const APP = fileURLToPath(new URL('../../../apps/cli/bin/run.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, bin = BIN): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function deployment(name: string, ns: string, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(annotations ? { annotations } : {}) },
        spec: { containers: [{ name: 'app', image: `${name}:1` }] },
      },
    },
  };
}

const userFields = (o: KubeObject | undefined) => {
  const { status: _s, ...rest } = o ?? {};
  const { resourceVersion: _r, generation: _g, ...meta } = rest.metadata ?? {};
  return JSON.stringify({ ...rest, metadata: meta });
};

let server: KubeTestServer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startKubeTestServer();
  server.createNamespace('shop', { env: 'staging' });
  server.createNamespace('payments-prod');
  server.createNamespace('secret');
  server.apply(
    deployment('api-gateway', 'shop', {
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/skip-outbound-ports': '5432',
    }),
  );
  server.apply(deployment('web', 'shop'));
  server.apply(deployment('api', 'payments-prod'));
  server.apply(deployment('api', 'secret'));
  dir = await mkdtemp(join(tmpdir(), 'logtap-plugin-k8s-'));
  await writeFile(join(dir, 'config'), server.kubeconfig({ namespace: 'shop' }), { mode: 0o600 });
  env = { KUBECONFIG: join(dir, 'config') };
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('logtap tap / untap / check / status (spawned CLI against the test API server)', () => {
  test('help documents flags and exit codes; flag defaults match the library', async () => {
    const help = await run(['tap', '--help']);
    expect(help.code).toBe(0);
    for (const s of [
      '--deployment',
      '--statefulset',
      '--daemonset',
      '--selector',
      '--all',
      '--target',
      '--image',
      '--sidecar-cpu',
      '--sidecar-memory',
      '--session',
      '--dry-run',
      '--allow-prod',
      '--force',
      '--wait',
      '--context',
      '--namespace',
      'Exit codes',
    ]) {
      expect(help.stdout).toContain(s);
    }
    expect([DEFAULT_CPU, DEFAULT_MEMORY]).toEqual([DEFAULT_SIDECAR_CPU, DEFAULT_SIDECAR_MEMORY]);
  });

  test('no cluster configured: exit 3 with a clear message', async () => {
    const r = await run(['status'], { KUBECONFIG: join(dir, 'missing-config') });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no Kubernetes cluster is configured');
    expect(r.stderr).toContain('missing-config');
  });

  test('usage errors exit 2', async () => {
    expect((await run(['tap', '--target', 'x:1'], env)).code).toBe(2);
    const all = await run(['tap', '--all', '--target', 'x:1'], env);
    expect(all.code).toBe(2);
    expect(all.stderr).toContain('--force');
    expect((await run(['tap', '--deployment', 'web', '--target', 'ftp://x'], env)).code).toBe(2);
    expect((await run(['untap'], env)).code).toBe(2);
  });

  test('the full flow: dry run, tap, status, check (leftover → 10), untap --deployment api-gateway twice, check clean', async () => {
    const before = userFields(server.get('Deployment', 'shop', 'api-gateway'));
    const dry = await run(
      [
        'tap',
        '--deployment',
        'api-gateway',
        '--target',
        'logtap-receiver.logtap:3100',
        '--session',
        'lt-cli',
        '--dry-run',
      ],
      env,
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+++ b/deployment/api-gateway pod template');
    expect(dry.stdout).toContain('+      name: logtap-forwarder-lt-cli');
    expect(userFields(server.get('Deployment', 'shop', 'api-gateway'))).toBe(before);

    const tapped = await run(
      [
        'tap',
        '--deployment',
        'api-gateway',
        '--target',
        'logtap-receiver.logtap:3100',
        '--session',
        'lt-cli',
        '--wait',
        '--json',
      ],
      env,
    );
    expect(tapped.code).toBe(0);
    const result = JSON.parse(tapped.stdout) as {
      session: string;
      image: string;
      workloads: { action: string }[];
      rollout: { done: boolean }[];
    };
    expect(result.session).toBe('lt-cli');
    expect(result.image).toBe('ghcr.io/logtap/logtap-forwarder:0.1.0');
    expect(result.workloads.map((w) => w.action)).toEqual(['tapped']);
    expect(result.rollout.map((r) => r.done)).toEqual([true]);

    const st = await run(['status', '--json', '--no-metrics'], env);
    expect(st.code).toBe(0);
    const report = JSON.parse(st.stdout) as {
      workloads: { name: string; sessions: { session: string; forwarding: number; total: number }[] }[];
    };
    expect(report.workloads).toEqual([
      expect.objectContaining({
        name: 'api-gateway',
        sessions: [expect.objectContaining({ session: 'lt-cli', forwarding: 2, total: 2 })],
      }),
    ]);
    const human = await run(['status', '--no-metrics'], env);
    expect(human.stdout).toContain('2/2 pods forwarding');

    const check = await run(['check'], env);
    expect(check.code).toBe(10);
    expect(check.stdout).toContain('tapped           shop/deployment/api-gateway sessions lt-cli');
    const checkJson = await run(['check', '--json'], env);
    expect(checkJson.code).toBe(10);
    expect(JSON.parse(checkJson.stdout)).toMatchObject({ problems: { leftovers: 1, missingPermissions: 0 } });

    const un = await run(['untap', '--deployment', 'api-gateway'], env);
    expect(un.code).toBe(0);
    expect(un.stdout).toContain('untapped');
    expect(userFields(server.get('Deployment', 'shop', 'api-gateway'))).toBe(before);
    const again = await run(['untap', '--deployment', 'api-gateway'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('not-tapped');
    const clean = await run(['check'], env);
    expect(clean.code).toBe(0);
  });

  test('production guard: a prod namespace and an unreadable one exit 4 and change nothing', async () => {
    const prod = await run(
      ['tap', '-n', 'payments-prod', '--deployment', 'api', '--target', 'recv:3100'],
      env,
    );
    expect(prod.code).toBe(4);
    expect(prod.stderr).toContain('--allow-prod');
    const undo = server.authz.deny({ verbs: ['get'], resources: ['namespaces'], names: ['secret'] });
    try {
      const hidden = await run(['tap', '-n', 'secret', '--deployment', 'api', '--target', 'recv:3100'], env);
      expect(hidden.code).toBe(4);
      expect(hidden.stderr).toContain('fail-closed');
    } finally {
      undo();
    }
    expect(JSON.stringify(server.get('Deployment', 'payments-prod', 'api'))).not.toContain('logtap');
    expect(JSON.stringify(server.get('Deployment', 'secret', 'api'))).not.toContain('logtap');
  });

  test('not found exits 5; forbidden exits 6 and check reports the missing permission (exit 11)', async () => {
    expect((await run(['tap', '--deployment', 'nope', '--target', 'recv:3100'], env)).code).toBe(5);
    const undo = server.authz.deny({ verbs: ['patch'], resources: ['deployments'] });
    try {
      const r = await run(['tap', '--deployment', 'web', '--target', 'recv:3100'], env);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain('logtap check');
      const c = await run(['check'], env);
      expect(c.code).toBe(11);
      expect(c.stdout).toContain('MISSING  patch deployments.apps');
    } finally {
      undo();
    }
    expect(server.list('Role', 'shop')).toEqual([]);
  });

  test('the logtap app runs the plugin: `logtap untap --deployment api-gateway`', async () => {
    const tapped = await run(['tap', '--deployment', 'api-gateway', '--target', 'recv:3100'], env, APP);
    expect(tapped.code).toBe(0);
    const un = await run(['untap', '--deployment', 'api-gateway'], env, APP);
    expect(un.code).toBe(0);
    expect(un.stdout).toMatch(/untapped\s+shop\/deployment\/api-gateway/);
  });
});
