// End-to-end test of the live view of `logtap recv --in-cluster` in a real terminal (tmux), against the
// Kubernetes API test server: the "pod" is a real receiver on this machine started the way `recv
// --live-token` starts it (capture writer, tee, live feed), with the token taken from the pod's
// environment; the CLI polls it through the port-forward (client-node over the test server's WebSocket).
// Lines pushed to the pod show up with their stats and top talkers; a broken forward is shown and
// recovered from; q stops the pod's receiver, copies the capture back and deletes the run. Ctrl+C then
// Ctrl+C again while the pod is stopping exits at once, listing what is left, on the normal screen.
import { writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CaptureWriter, readEntries } from '@logtap/capture';
import { type KubeTestServer, type StoreEvent, startKubeTestServer } from '@logtap/kube-testserver';
import { encodePushProtobuf } from '@logtap/protocol';
import { Receiver } from '@logtap/receiver';
import { RecentLines } from '@logtap/tui/recent';
import { TmuxSession, tmuxAvailable } from '@logtap/tui/testing';
import { LiveFeed } from '../src/live-feed.js';
import { writerSink } from '../src/sink.js';
import { tapSink } from '../src/tap.js';
import { BIN, removeDir, tempDir } from './helpers.js';
import { runReceiverPod } from './receiver-pod.js';

/** A TCP hop in front of the pod's port 3100 that the test can cut (a broken forward) and restore. */
class Hop {
  readonly #sockets = new Set<Socket>();
  #broken = false;
  readonly server: Server;
  constructor(target: () => number) {
    this.server = createServer((inbound) => {
      if (this.#broken) {
        inbound.destroy();
        return;
      }
      const upstream = connect(target(), '127.0.0.1');
      for (const s of [inbound, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      inbound.pipe(upstream).pipe(inbound);
      inbound.on('close', () => upstream.destroy());
      upstream.on('close', () => inbound.destroy());
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as { port: number }).port;
  }
  cut(): void {
    this.#broken = true;
    for (const s of this.#sockets) s.destroy();
  }
  restore(): void {
    this.#broken = false;
  }
  close(): Promise<void> {
    this.cut();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * The kubelet and container runtime for the receiver pod (as in in-cluster.test.ts), running the
 * receiver as `recv --live-token $LOGTAP_LIVE_TOKEN` does; its port 3100 is reached through a Hop.
 */
class LivePod {
  receiver: Receiver | undefined;
  env: Record<string, string> = {};
  hop: Hop = new Hop(() => this.receiver!.address().port);
  constructor(
    readonly server: KubeTestServer,
    readonly podDir: string,
    /** The receiver ignores the graceful stop (SIGTERM): the end of the run waits. */
    readonly stuckStop = false,
  ) {
    server.store.events.on('event', (e: StoreEvent) => {
      const m = e.object.metadata!;
      if (e.type !== 'ADDED' || e.resource.kind !== 'Pod') return;
      if (m.labels?.['app.kubernetes.io/name'] !== 'logtap-receiver') return;
      const spec = e.object.spec as { containers: Array<{ env?: Array<{ name: string; value: string }> }> };
      this.env = Object.fromEntries((spec.containers[0]!.env ?? []).map((v) => [v.name, v.value]));
      void this.boot(m.namespace!, m.name!);
    });
  }

  async boot(ns: string, pod: string): Promise<void> {
    const token = this.env.LOGTAP_LIVE_TOKEN;
    const writer = await CaptureWriter.open(join(this.podDir, 'capture'), {
      minFreeBytes: 0,
      flushInterval: 20,
    });
    const recent = new RecentLines();
    const feed = new LiveFeed(recent);
    this.receiver = await Receiver.start({
      sink: token === undefined ? writerSink(writer) : tapSink(writerSink(writer), recent),
      queueBytes: 16 << 20,
      host: '127.0.0.1',
      port: 0,
      ...(token === undefined ? {} : { live: { token, feed: (q) => feed.answer(q) } }),
    });
    const { server } = this;
    server.streams.forwardPort(ns, pod, 3100, { host: '127.0.0.1', port: await this.hop.listen() });
    runReceiverPod(server, ns, pod, this.podDir, () => (this.stuckStop ? undefined : this.receiver!.close()));
  }
}

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const T0 = 1_767_225_600_000_000_000n;
async function push(url: string, app: string, from: number, n: number, msg: (i: number) => string) {
  const body = encodePushProtobuf([
    {
      labels: { app, namespace: 'shop' },
      entries: Array.from({ length: n }, (_, i) => ({ ts: T0 + BigInt(from + i), line: msg(from + i) })),
    },
  ]);
  const res = await fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  expect(res.status).toBe(204);
}

describe('logtap recv --in-cluster live view in a real terminal (tmux, test API server)', () => {
  it('shows the pod’s stats, top talkers and lines, survives a broken forward, and q copies back', async () => {
    expect(await tmuxAvailable()).toBe(true);
    const server = await startKubeTestServer();
    cleanup.push(() => server.close());
    const work = tempDir('logtap-recv-incluster-live-');
    cleanup.push(() => removeDir(work));
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeconfig(), { mode: 0o600 });
    const pod = new LivePod(server, join(work, 'pod'));
    cleanup.push(async () => {
      await pod.receiver?.close();
      await pod.hop.close();
    });
    const dir = join(work, 'capture');
    const t = await TmuxSession.start({
      command: `node ${BIN} recv --in-cluster --dir ${dir} --listen 127.0.0.1:0 --max-disk 100MiB --max-file 1MiB`,
      env: { KUBECONFIG: kubeconfig },
      cols: 120,
      rows: 40,
    });
    cleanup.push(() => t.kill());

    let screen = await t.waitFor(
      (s) => s.includes('Top talkers') && s.includes('● live: logtap/logtap-receiver'),
      {
        what: 'the live view, connected',
        timeoutMs: 30_000,
      },
    );
    expect(screen).toMatch(
      /logtap v\S+ │ logtap-receiver\.logtap\.svc:3100 \(in-cluster\) ⇐ 127\.0\.0\.1:\d+ │ logtap\/logtap-receiver \(ends \d\d:\d\dZ\)/,
    );
    // The pod runs with a random read token, and the push flags.
    expect(pod.env.LOGTAP_LIVE_TOKEN).toMatch(/^[\w-]{32}$/);

    const url = pod.receiver!.url;
    await push(url, 'checkout', 0, 40, (i) => (i % 10 === 0 ? `ERROR order ${i} failed` : `order ${i} ok`));
    await push(url, 'payments', 40, 15, (i) => `payment ${i} settled ✓`);
    screen = await t.waitFor((s) => /total 55\b/.test(s) && s.includes('payment 54 settled ✓'), {
      what: '55 lines',
      timeoutMs: 15_000,
    });
    expect(screen).toMatch(/checkout\s+\S+\s+40/);
    expect(screen).toMatch(/payments\s+\S+\s+15/);
    expect(screen).toMatch(/\d\d:\d\d:\d\d\.\d{3} checkout\s+ERROR order 30 failed/);
    expect(screen).toContain('OFF: stored as received');

    // The forward breaks: the view says so and keeps the last counters; then it comes back.
    pod.hop.cut();
    screen = await t.waitFor((s) => s.includes('✖ DISCONNECTED'), {
      what: 'the broken link',
      timeoutMs: 15_000,
    });
    expect(screen).toMatch(/total 55\b/);
    await push(url, 'payments', 55, 5, (i) => `payment ${i} while cut`);
    pod.hop.restore();
    screen = await t.waitFor((s) => s.includes('● live:') && s.includes('payment 59 while cut'), {
      what: 'the link back, with the lines pushed meanwhile',
      timeoutMs: 20_000,
    });
    expect(screen).toMatch(/total 60\b/);

    // Keys work as in the local view.
    await t.type('/!payment');
    await t.keys('Enter');
    screen = await t.waitForText('HIDE /payment/');
    expect(screen).not.toContain('payment 59 while cut');

    await t.keys('q');
    const exit = await t.waitForExit({ timeoutMs: 60_000 });
    expect(exit.code).toBe(0);
    expect(exit.screen).toContain('stopping the in-cluster receiver and copying the capture to');
    expect(exit.screen).toMatch(/copied \d+ files/);
    expect(exit.screen).toContain('deleted pod/logtap-receiver, service/logtap-receiver, namespace/logtap');
    const got: string[] = [];
    for await (const e of readEntries(dir)) got.push(e.msg);
    expect(got).toHaveLength(60);
    expect(got[59]).toBe('payment 59 while cut');
    expect(server.list('Pod')).toEqual([]);
  }, 120_000);

  it('Ctrl+C closes the view and starts the end; Ctrl+C again exits at once on the normal screen', async () => {
    expect(await tmuxAvailable()).toBe(true);
    const server = await startKubeTestServer();
    cleanup.push(() => server.close());
    const work = tempDir('logtap-recv-incluster-live-');
    cleanup.push(() => removeDir(work));
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeconfig(), { mode: 0o600 });
    const pod = new LivePod(server, join(work, 'pod'), true);
    cleanup.push(async () => {
      await pod.receiver?.close();
      await pod.hop.close();
    });
    const t = await TmuxSession.start({
      command: `node ${BIN} recv --in-cluster --dir ${join(work, 'capture')} --listen 127.0.0.1:0`,
      env: { KUBECONFIG: kubeconfig },
      cols: 120,
      rows: 40,
      shellAfterExit: true,
    });
    cleanup.push(() => t.kill());
    await t.waitFor((s) => s.includes('● live: logtap/logtap-receiver'), {
      what: 'the live view, connected',
      timeoutMs: 30_000,
    });
    expect(await t.modes()).toMatchObject({ alternate: true, cursorVisible: false });

    // In raw mode the first Ctrl+C is a key: the view closes at once and the run's end begins.
    await t.keys('C-c');
    await t.waitForText('stopping the in-cluster receiver and copying the capture to', { timeoutMs: 15_000 });
    expect(await t.modes()).toMatchObject({ alternate: false, cursorVisible: true });
    // The pod does not stop (stuckStop): the second Ctrl+C, now a SIGINT, exits at once.
    await t.keys('C-c');
    const exit = await t.waitForExit({ timeoutMs: 10_000 });
    expect(exit.code).toBe(130);
    // (The line wraps at the pane's width: check it in two parts.)
    expect(exit.screen).toContain(
      'logtap recv: SIGINT again: exiting now; left in the cluster: pod and service logtap-receiver in namespace logtap',
    );
    expect(exit.screen).toContain('logtap check -n logtap lists them');
    expect(await t.modes()).toEqual({
      alternate: false,
      cursorVisible: true,
      mouse: false,
      keypadCursor: false,
    });
    await t.typeAndRun();
    // What was left is there to be found (logtap check lists it).
    expect(server.list('Pod').map((p) => p.metadata?.name)).toEqual(['logtap-receiver']);
  }, 60_000);
});
