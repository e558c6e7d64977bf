import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { type KubeTestServer, startKubeTestServer } from './index.js';

let server: KubeTestServer;
let kc: k8s.KubeConfig;

beforeEach(async () => {
  server = await startKubeTestServer();
  server.createNamespace('logtap');
  server.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'rx', namespace: 'logtap' },
    spec: {
      containers: [
        { name: 'receiver', image: 'r' },
        { name: 'capture', image: 'r' },
      ],
    },
  });
  server.logs.startContainer('logtap', 'rx', 'receiver');
  server.logs.startContainer('logtap', 'rx', 'capture');
  kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig());
});
afterEach(async () => {
  await server.close();
});

function collect(s: PassThrough): { text: () => string; ended: Promise<void> } {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return { text: () => Buffer.concat(parts).toString(), ended: new Promise((r) => s.on('end', () => r())) };
}

describe('pods/exec over WebSocket (client-node Exec)', () => {
  test('stdout, stderr, stdin and the exit status', async () => {
    server.streams.onExec('logtap', 'rx', async ({ command, stdin, stdout, stderr, container }) => {
      stdout.write(`${container}: ${command.join(' ')}\n`);
      if (stdin) for await (const c of stdin) stdout.write(String(c).toUpperCase());
      stderr.write('warn\n');
      return command[0] === 'false' ? 3 : 0;
    });
    const out = new PassThrough();
    const err = new PassThrough();
    const o = collect(out);
    const e = collect(err);
    const status = await new Promise<k8s.V1Status>((resolve) => {
      const input = new PassThrough();
      void new k8s.Exec(kc).exec('logtap', 'rx', 'capture', ['cat', '-'], out, err, input, false, resolve);
      input.end('abc');
    });
    await Promise.all([o.ended, e.ended]);
    expect(status.status).toBe('Success');
    expect(o.text()).toBe('capture: cat -\nABC');
    expect(e.text()).toBe('warn\n');

    const failed = await new Promise<k8s.V1Status>((resolve) => {
      void new k8s.Exec(kc).exec(
        'logtap',
        'rx',
        'receiver',
        ['false'],
        new PassThrough(),
        null,
        null,
        false,
        resolve,
      );
    });
    expect(failed).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
    expect(failed.details?.causes?.[0]).toEqual({ reason: 'ExitCode', message: '3' });
  });

  test('authorized as create on pods/exec; refused upgrades carry a Status', async () => {
    server.authz.deny({ verbs: ['create'], resources: ['pods/exec'] });
    const err = await new k8s.Exec(kc)
      .exec('logtap', 'rx', 'capture', ['ls'], new PassThrough(), null, null, false)
      .catch((e: unknown) => e);
    expect(String((err as { message?: string }).message)).toContain('403');
    expect(server.requests.at(-1)).toMatchObject({ verb: 'create', resource: 'pods/exec', status: 403 });
  });
});

describe('pods/portforward over WebSocket (client-node PortForward)', () => {
  let target: Server;
  beforeEach(async () => {
    target = createServer((req, res) => res.end(`hello from the pod: ${req.url}`));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    server.streams.forwardPort('logtap', 'rx', 3100, {
      host: '127.0.0.1',
      port: (target.address() as AddressInfo).port,
    });
  });
  afterEach(async () => {
    target.closeAllConnections();
    await new Promise((r) => target.close(r));
  });

  test('a local TCP listener piped through PortForward reaches the pod port', async () => {
    const pf = new k8s.PortForward(kc);
    const local = createTcpServer((socket) => {
      void pf.portForward('logtap', 'rx', [3100], socket, null, socket);
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    try {
      const port = (local.address() as AddressInfo).port;
      for (const path of ['/metrics', '/healthz']) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
        expect(await res.text()).toBe(`hello from the pod: ${path}`);
      }
      expect(server.requests.filter((r) => r.resource === 'pods/portforward').map((r) => r.verb)).toEqual([
        'create',
        'create',
      ]);
    } finally {
      local.close();
    }
  });

  test('a port without a target answers on the error channel', async () => {
    const errOut = new PassThrough();
    const e = collect(errOut);
    const sock = connect(1, '127.0.0.1');
    sock.on('error', () => {});
    const ws = await new k8s.PortForward(kc).portForward(
      'logtap',
      'rx',
      [9999],
      new PassThrough(),
      errOut,
      new PassThrough(),
    );
    await new Promise((r) => (ws as { on(ev: string, f: () => void): void }).on('close', () => r(undefined)));
    expect(e.text()).toContain('error forwarding port 9999 to pod rx');
    sock.destroy();
  });
});
