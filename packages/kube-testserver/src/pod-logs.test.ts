import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import {
  formatRfc3339NanoFixed,
  type KubeTestServer,
  parseRfc3339Nano,
  startKubeTestServer,
} from './index.js';

const run = promisify(execFile);
const SEC = 1_000_000_000n;
const T0 = parseRfc3339Nano('2026-01-01T00:00:00Z')!;

let server: KubeTestServer;
let token: string;

beforeEach(async () => {
  server = await startKubeTestServer();
  token = 'test-token';
  server.createNamespace('shop');
  server.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'shop' },
    spec: {
      initContainers: [{ name: 'init', image: 'i' }],
      containers: [
        { name: 'app', image: 'a' },
        { name: 'side', image: 's' },
      ],
    },
  });
});
afterEach(async () => {
  await server.close();
});

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

const LOG = '/api/v1/namespaces/shop/pods/p/log';

describe('pods/log', () => {
  test('timestamps in the kubelet format; sinceTime truncated to the second and inclusive', async () => {
    server.logs.startContainer('shop', 'p', 'app');
    server.logs.append('shop', 'p', 'app', [
      { ts: T0 + 100n, text: 'a' },
      { ts: T0 + SEC + 5n, text: 'b' },
      { ts: T0 + SEC + 5n, text: 'b2' },
      { ts: T0 + 2n * SEC, text: 'c' },
    ]);
    const all = await get(`${LOG}?container=app&timestamps=true`);
    expect(all).toEqual({
      status: 200,
      text: '2026-01-01T00:00:00.000000100Z a\n2026-01-01T00:00:01.000000005Z b\n2026-01-01T00:00:01.000000005Z b2\n2026-01-01T00:00:02.000000000Z c\n',
    });
    const since = await get(
      `${LOG}?container=app&sinceTime=${encodeURIComponent('2026-01-01T00:00:01.999999Z')}`,
    );
    expect(since.text).toBe('b\nb2\nc\n');
    expect((await get(`${LOG}?container=app&tailLines=1`)).text).toBe('c\n');
    expect((await get(`${LOG}?container=app&limitBytes=3`)).text).toBe('a\nb');
    expect(formatRfc3339NanoFixed(T0 + 7n)).toBe('2026-01-01T00:00:00.000000007Z');
  });

  test('errors as the API server words them', async () => {
    expect(await get(LOG)).toMatchObject({ status: 400 });
    expect(JSON.parse((await get(LOG)).text).message).toBe(
      'a container name must be specified for pod p, choose one of: [app side] or one of the init containers: [init]',
    );
    expect(JSON.parse((await get(`${LOG}?container=nope`)).text).message).toBe(
      'container nope is not valid for pod p',
    );
    expect(JSON.parse((await get(`${LOG}?container=app`)).text).message).toBe(
      'container "app" in pod "p" is waiting to start: ContainerCreating',
    );
    server.logs.startContainer('shop', 'p', 'app');
    expect(JSON.parse((await get(`${LOG}?container=app&previous=true`)).text).message).toBe(
      'previous terminated container "app" in pod "p" not found',
    );
    expect((await get('/api/v1/namespaces/shop/pods/nope/log?container=app')).status).toBe(404);
  });

  test('follow streams appended lines until the container terminates; restarts keep the previous run', async () => {
    server.logs.startContainer('shop', 'p', 'app');
    server.logs.append('shop', 'p', 'app', ['one']);
    const res = await fetch(`${server.url}${LOG}?container=app&follow=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const reader = res.body!.getReader();
    const chunks: string[] = [];
    const done = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        chunks.push(Buffer.from(value).toString());
      }
    })();
    while (server.logs.followers('shop', 'p', 'app') === 0) await new Promise((r) => setTimeout(r, 5));
    server.logs.append('shop', 'p', 'app', ['two']);
    server.logs.startContainer('shop', 'p', 'app'); // restart: the first run ends, its stream with it
    await done;
    expect(chunks.join('')).toBe('one\ntwo\n');
    server.logs.append('shop', 'p', 'app', ['three']);
    expect((await get(`${LOG}?container=app`)).text).toBe('three\n');
    expect((await get(`${LOG}?container=app&previous=true`)).text).toBe('one\ntwo\n');
    const pod = server.get('Pod', 'shop', 'p')!;
    const st = (pod.status as { containerStatuses: Array<Record<string, unknown>> }).containerStatuses[0]!;
    expect(st).toMatchObject({ name: 'app', restartCount: 1, ready: true, state: { running: {} } });
    expect((st.lastState as { terminated: { containerID: string } }).terminated.containerID).toBe(
      server.logs.instances('shop', 'p', 'app')[0]!.containerID,
    );
  });

  test('a cut stream errors on the client (not a clean end)', async () => {
    server.logs.startContainer('shop', 'p', 'app');
    const res = await fetch(`${server.url}${LOG}?container=app&follow=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
    while (server.logs.followers('shop', 'p', 'app') === 0) await new Promise((r) => setTimeout(r, 5));
    expect(server.logs.cutStreams('shop', 'p')).toBe(1);
    await expect(res.text()).rejects.toThrow();
  });

  test('kubectl logs -f --timestamps and client-node read the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kts-logs-'));
    const open = await startKubeTestServer({ requireAuth: false });
    try {
      open.createNamespace('shop');
      open.apply(server.get('Pod', 'shop', 'p')!);
      open.logs.startContainer('shop', 'p', 'app');
      open.logs.append('shop', 'p', 'app', [{ ts: T0 + 42n, text: 'hello' }]);
      await writeFile(join(dir, 'kubeconfig'), open.kubeconfig());
      const { stdout } = await run('kubectl', [
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        'logs',
        '-n',
        'shop',
        'p',
        '-c',
        'app',
        '--timestamps',
      ]);
      expect(stdout).toBe('2026-01-01T00:00:00.000000042Z hello\n');
      const kc = new k8s.KubeConfig();
      kc.loadFromString(open.kubeconfig());
      const out = new PassThrough();
      let text = '';
      out.on('data', (d) => {
        text += d;
      });
      const ended = new Promise((r) => out.on('end', r));
      await new k8s.Log(kc).log('shop', 'p', 'app', out, { timestamps: true });
      await ended;
      expect(text).toBe('2026-01-01T00:00:00.000000042Z hello\n');
    } finally {
      await open.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
