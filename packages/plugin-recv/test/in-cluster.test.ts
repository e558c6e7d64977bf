import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { CaptureWriter, readEntries } from '@logtap/capture';
import { type KubeTestServer, type StoreEvent, startKubeTestServer } from '@logtap/kube-testserver';
import { Receiver } from '@logtap/receiver';
import { writerSink } from '../src/sink.js';
import { BIN, type Exit, removeDir, runCli, tempDir, waitFor } from './helpers.js';
import { runReceiverPod } from './receiver-pod.js';

/**
 * The kubelet and container runtime for the receiver pod: when the pod is created, a REAL receiver (the
 * same @logtap/receiver and capture writer `logtap recv` runs) starts on this machine with its capture in
 * a directory standing in for the pod's emptyDir; port 3100 of the pod is that receiver; exec runs the
 * commands the CLI uses: SIGTERM to the receiver (a graceful close, then the container exits 0) and
 * `tar` of /data/capture (the real tar, on that directory).
 */
class ReceiverPod {
  receiver: Receiver | undefined;
  args: string[] = [];
  constructor(
    readonly server: KubeTestServer,
    readonly podDir: string,
  ) {
    server.store.events.on('event', (e: StoreEvent) => {
      const m = e.object.metadata!;
      if (e.type !== 'ADDED' || e.resource.kind !== 'Pod') return;
      if (m.labels?.['app.kubernetes.io/name'] !== 'logtap-receiver') return;
      const spec = e.object.spec as { containers: Array<{ args?: string[] }> };
      this.args = spec.containers[0]!.args ?? [];
      void this.boot(m.namespace!, m.name!);
    });
  }

  async boot(ns: string, pod: string): Promise<void> {
    const writer = await CaptureWriter.open(join(this.podDir, 'capture'), {
      minFreeBytes: 0,
      flushInterval: 20,
    });
    this.receiver = await Receiver.start({
      sink: writerSink(writer),
      queueBytes: 16 << 20,
      host: '127.0.0.1',
      port: 0,
    });
    const { server } = this;
    server.streams.forwardPort(ns, pod, 3100, { host: '127.0.0.1', port: this.receiver.address().port });
    runReceiverPod(server, ns, pod, this.podDir, () => this.receiver!.close());
  }
}

let server: KubeTestServer;
let work: string;
let pod: ReceiverPod;
let kubeconfig: string;
beforeEach(async () => {
  server = await startKubeTestServer();
  work = tempDir('logtap-recv-incluster-');
  kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeconfig(), { mode: 0o600 });
  pod = new ReceiverPod(server, join(work, 'pod'));
});
afterEach(async () => {
  await pod.receiver?.close();
  await server.close();
  removeDir(work);
});

function start(args: string[]) {
  const proc = spawn(process.execPath, [BIN, 'recv', '--in-cluster', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  proc.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<Exit>((resolve) =>
    proc.on('exit', (code, signal) => setImmediate(() => resolve({ code, signal, stdout, stderr }))),
  );
  return { proc, exited, stderr: () => stderr };
}

describe('logtap recv --in-cluster (against the test API server, with a real receiver in the "pod")', () => {
  test('creates the receiver, forwards a port, and on SIGTERM stops it, copies the capture back and cleans up', async () => {
    const dir = join(work, 'capture');
    const run = start([
      '--dir',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--progress-interval',
      '100ms',
      '--max-disk',
      '100MiB',
      '--max-file',
      '1MiB',
    ]);
    let url = '';
    await waitFor(
      () => {
        url = /local port-forward: (http:\/\/\S+)/.exec(run.stderr())?.[1] ?? '';
        return url !== '';
      },
      20_000,
      `the port-forward line; stderr:\n${run.stderr()}`,
    );
    expect(run.stderr()).toContain('pods push to http://logtap-receiver.logtap.svc:3100');
    expect(run.stderr()).toContain('logtap tap -n <namespace> --target logtap-receiver.logtap.svc:3100');
    expect(pod.args).toEqual(
      expect.arrayContaining(['recv', '--headless', '--max-disk', '100MiB', '--max-file', '1MiB']),
    );
    const values = Array.from({ length: 50 }, (_, i) => [
      String(1767225600000000000n + BigInt(i)),
      `line ${i}`,
    ]);
    const res = await fetch(`${url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'shop', pod: 'api-1' }, values }] }),
    });
    expect(res.status).toBe(204);
    await waitFor(
      () => /in-cluster received=50 /.test(run.stderr()),
      10_000,
      'a progress line with 50 lines',
    );
    run.proc.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/the receiver stopped \(exit 0\)/);
    expect(exit.stderr).toMatch(/deleted pod\/logtap-receiver, service\/logtap-receiver, namespace\/logtap/);
    const got: string[] = [];
    for await (const e of readEntries(dir)) got.push(e.msg);
    expect(got).toEqual(values.map((v) => v[1]));
    expect(server.get('Namespace', '', 'logtap')).toBeUndefined();
    expect(server.list('Pod')).toEqual([]);
  });

  test('--ttl ends the run by itself; --json prints the summary', async () => {
    const dir = join(work, 'capture');
    const exit = await runCli(
      [
        'recv',
        '--in-cluster',
        '--dir',
        dir,
        '--listen',
        '127.0.0.1:0',
        '--ttl',
        '1s',
        '--progress-interval',
        '0',
        '--json',
      ],
      30_000,
      {
        env: { KUBECONFIG: kubeconfig },
      },
    );
    expect(exit.code).toBe(0);
    const summary = JSON.parse(exit.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      mode: 'in-cluster',
      namespace: 'logtap',
      stoppedBy: 'ttl',
      receiverExit: 0,
      target: 'http://logtap-receiver.logtap.svc:3100',
      deleted: ['pod/logtap-receiver', 'service/logtap-receiver', 'namespace/logtap'],
    });
    expect((summary.copied as { files: number }).files).toBeGreaterThan(0);
  });

  test('refuses a non-empty --dir and local-file flags before creating anything', async () => {
    writeFileSync(join(work, 'already-here'), 'x');
    const busy = await runCli(['recv', '--in-cluster', '--dir', work], 20_000, {
      env: { KUBECONFIG: kubeconfig },
    });
    expect(busy.code).toBe(4);
    expect(busy.stderr).toContain('is not empty');
    const tls = await runCli(
      ['recv', '--in-cluster', '--dir', join(work, 'c'), '--tls-cert', 'a', '--tls-key', 'b'],
      20_000,
      {
        env: { KUBECONFIG: kubeconfig },
      },
    );
    expect(tls.code).toBe(2);
    expect(tls.stderr).toContain('--tls-cert is not supported with --in-cluster');
    expect(server.list('Pod')).toEqual([]);
  });
});
