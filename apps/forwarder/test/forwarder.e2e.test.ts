import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { type Env, FORWARDER, NS, numbered, POD, SESSION, seedPod, setup, waitFor } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => {
  await env.cleanup();
});

const SEC = 1_000_000_000n;

describe('forwarding a pod to a real receiver', () => {
  test('every line arrives once, in order, with the stream labels; the forwarder never reads itself', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('early', 0, 50));
    const f = await env.startForwarder();
    await waitFor('the follow stream', () => env.server.logs.followers(NS, POD, 'app') === 1);
    env.server.logs.append(NS, POD, 'app', numbered('live', 0, 50));
    await waitFor('100 lines sent', () => f.metrics.linesSent.total() === 100);
    await f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 2000 });
    const entries = await env.receiver.entries();
    expect(entries.map((e) => e.msg)).toEqual([...numbered('early', 0, 50), ...numbered('live', 0, 50)]);
    expect(entries[0]!.labels).toEqual({
      app: 'api',
      container: 'app',
      namespace: NS,
      node: 'node-1',
      pod: POD,
      session: SESSION,
      workload_kind: 'Deployment',
      workload_name: 'api',
    });
    const stored = env.server.logs.instances(NS, POD, 'app')[0]!.lines;
    expect(entries.map((e) => e.ts)).toEqual(stored.map((l) => l.ts));
    expect(entries.some((e) => e.labels.container === FORWARDER)).toBe(false);
    expect(env.server.requests.some((r) => r.path.includes(`container=${FORWARDER}`))).toBe(false);
  });

  test('works with exactly the Role tap creates: get on pods and pods/log, nothing else', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.authz.allowOnly([{ verbs: ['get'], resources: ['pods', 'pods/log'], namespaces: [NS] }]);
    env.server.logs.append(NS, POD, 'app', numbered('rbac', 0, 10));
    const f = await env.startForwarder();
    await waitFor('10 lines sent', () => f.metrics.linesSent.total() === 10);
    // Status 0: a follow stream still open.
    expect(new Set(env.server.requests.map((r) => `${r.verb} ${r.resource} ${r.status || 200}`))).toEqual(
      new Set(['get pods 200', 'get pods/log 200']),
    );
  });

  test('streams cut mid-way resume without duplicates or gaps, also when lines share a timestamp', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    const f = await env.startForwarder();
    // Lines come in groups of three with the same nanosecond timestamp, crossing second boundaries.
    let ts = BigInt(Date.now()) * 1_000_000n;
    const expected: Array<{ ts: bigint; text: string }> = [];
    for (let round = 0; round < 25; round++) {
      await waitFor('a follow stream', () => env.server.logs.followers(NS, POD, 'app') === 1);
      const lines = [];
      for (let i = 0; i < 12; i++) {
        if (i % 3 === 0) ts += round % 2 === 0 ? 137n : SEC / 3n;
        lines.push({ ts, text: `r${round} l${i}${i % 3 === 2 ? ' same' : ''}` });
      }
      env.server.logs.append(NS, POD, 'app', lines);
      expected.push(...lines);
      await waitFor('the lines read', () => f.metrics.linesRead.total() >= expected.length - 6);
      env.server.logs.cutStreams(NS, POD, 'app');
    }
    await waitFor('every line sent', () => f.metrics.linesSent.total() === expected.length);
    await f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 2000 });
    const got = await env.receiver.entries();
    expect(got.map((e) => [e.ts, e.msg])).toEqual(expected.map((l) => [l.ts, l.text]));
    expect(f.metrics.duplicates.total()).toBeGreaterThan(0);
    expect(f.metrics.reconnects.total()).toBeGreaterThanOrEqual(25);
    // Every reconnect asked for the second of the last line read, not the whole log.
    const sinceTimes = env.server.requests.filter(
      (r) => r.path.includes('/log?') && r.path.includes('sinceTime'),
    );
    expect(sinceTimes.length).toBeGreaterThanOrEqual(20);
  });

  test('a receiver that is down, then back, loses nothing within the buffer bound', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    const f = await env.startForwarder();
    env.server.logs.append(NS, POD, 'app', numbered('before', 0, 100));
    await waitFor('100 sent', () => f.metrics.linesSent.total() === 100);
    await env.receiver.stop();
    env.server.logs.append(NS, POD, 'app', numbered('during', 0, 300));
    await waitFor('failed pushes', () => f.metrics.pushes.get('network') >= 2);
    // Reading went on while pushes failed (they are off the reading path).
    expect(f.metrics.linesRead.total()).toBe(400);
    await env.receiver.restart();
    env.server.logs.append(NS, POD, 'app', numbered('after', 0, 100));
    await waitFor('500 sent', () => f.metrics.linesSent.total() === 500);
    await f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 2000 });
    expect((await env.receiver.entries()).map((e) => e.msg)).toEqual([
      ...numbered('before', 0, 100),
      ...numbered('during', 0, 300),
      ...numbered('after', 0, 100),
    ]);
    expect(f.metrics.droppedLines.total()).toBe(0);
  });

  test('beyond the buffer bound the oldest lines are dropped, and exactly those are counted', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    const f = await env.startForwarder({ batchBytes: 2048, bufferBytes: 16 * 1024 });
    await waitFor('the follow stream', () => env.server.logs.followers(NS, POD, 'app') === 1);
    await env.receiver.stop();
    // ~120 KB of incompressible lines against a 16 KiB buffer.
    const lines = Array.from(
      { length: 400 },
      (_, i) => `${String(i).padStart(4, '0')} ${randomBytes(225).toString('base64')}`,
    );
    for (let i = 0; i < lines.length; i += 20) {
      env.server.logs.append(NS, POD, 'app', lines.slice(i, i + 20));
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('all read', () => f.metrics.linesRead.total() === 400);
    await new Promise((r) => setTimeout(r, 100)); // the last batch leaves the batcher
    expect(f.metrics.bufferBytes.get()).toBeLessThanOrEqual(16 * 1024);
    await env.receiver.restart();
    await waitFor(
      'buffer empty',
      () => f.metrics.bufferBatches.get() === 0 && f.metrics.linesSent.total() > 0,
    );
    await f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 2000 });
    const got = (await env.receiver.entries()).map((e) => e.msg);
    const dropped = f.metrics.droppedLines.get('buffer_full');
    expect(dropped).toBeGreaterThan(0);
    expect(got.length + dropped).toBe(400);
    // In order, no duplicates, and the newest lines made it.
    const idx = got.map((m) => lines.indexOf(m));
    expect(idx.every((v, k) => v >= 0 && (k === 0 || v > idx[k - 1]!))).toBe(true);
    expect(got.at(-1)).toBe(lines.at(-1));
  });

  test('containers that start later, restart, and init containers are all captured', async () => {
    seedPod(env.server, { containers: ['app', 'worker'], init: ['migrate'] });
    env.server.logs.startContainer(NS, POD, 'migrate');
    env.server.logs.append(NS, POD, 'migrate', numbered('migrate', 0, 5));
    env.server.logs.terminateContainer(NS, POD, 'migrate');
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('app run1', 0, 10));
    const f = await env.startForwarder();
    await waitFor('app followed', () => env.server.logs.followers(NS, POD, 'app') === 1);
    env.server.logs.startContainer(NS, POD, 'worker'); // starts after the forwarder
    env.server.logs.append(NS, POD, 'worker', numbered('worker', 0, 10));
    env.server.logs.append(NS, POD, 'app', numbered('app run1 end', 0, 3));
    env.server.logs.startContainer(NS, POD, 'app'); // a restart: run 1 ends, run 2 begins with an empty log
    env.server.logs.append(NS, POD, 'app', numbered('app run2', 0, 10));
    await waitFor('38 lines sent', () => f.metrics.linesSent.total() === 38);
    await f.stop({ drainTimeoutMs: 0, flushTimeoutMs: 2000 });
    const got = await env.receiver.entries();
    const of = (c: string) => got.filter((e) => e.labels.container === c).map((e) => e.msg);
    expect(of('migrate')).toEqual(numbered('migrate', 0, 5));
    expect(of('worker')).toEqual(numbered('worker', 0, 10));
    expect(of('app')).toEqual([
      ...numbered('app run1', 0, 10),
      ...numbered('app run1 end', 0, 3),
      ...numbered('app run2', 0, 10),
    ]);
    expect(f.metrics.missedRuns.total()).toBe(0);
  });

  test('a restart while the API was unreachable: the end of the previous run is read with previous=true', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    const f = await env.startForwarder();
    env.server.logs.append(NS, POD, 'app', numbered('run1', 0, 10));
    await waitFor('10 read', () => f.metrics.linesRead.total() === 10);
    const undeny = env.server.authz.deny({ resources: ['pods/log'] });
    env.server.logs.cutStreams(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('run1 unseen', 0, 5));
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('run2', 0, 5));
    await waitFor('a refused reconnect', () =>
      env.server.requests.some((r) => r.resource === 'pods/log' && r.status === 403),
    );
    undeny();
    await waitFor('20 sent', () => f.metrics.linesSent.total() === 20);
    expect((await env.receiver.entries()).map((e) => e.msg)).toEqual([
      ...numbered('run1', 0, 10),
      ...numbered('run1 unseen', 0, 5),
      ...numbered('run2', 0, 5),
    ]);
    expect(env.server.requests.some((r) => r.path.includes('previous=true'))).toBe(true);
  });

  test('after the forwarder itself restarts, it resumes after its previous run instead of re-sending the log', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    const old = BigInt(Date.now() - 10_000) * 1_000_000n;
    env.server.logs.append(NS, POD, 'app', [
      { ts: old, text: 'sent by the previous run' },
      { ts: old + 1n, text: 'also sent before' },
    ]);
    env.server.logs.startContainer(NS, POD, FORWARDER); // the forwarder's container restarted
    env.server.logs.append(NS, POD, 'app', numbered('new', 0, 3));
    const f = await env.startForwarder();
    await waitFor('3 sent', () => f.metrics.linesSent.total() === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect((await env.receiver.entries()).map((e) => e.msg)).toEqual(numbered('new', 0, 3));
  });

  test('/healthz and /metrics', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', ['one line']);
    const f = await env.startForwarder();
    await waitFor('sent', () => f.metrics.linesSent.total() === 1);
    const health = await fetch(`http://127.0.0.1:${f.healthPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      state: 'running',
      containers: { app: 'streaming' },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${f.healthPort}/metrics`)).text();
    expect(metrics).toContain('logtap_forwarder_lines_read_total{container="app"} 1');
    expect(metrics).toContain('logtap_forwarder_lines_sent_total 1');
    expect(metrics).toContain('# TYPE logtap_forwarder_buffer_usage_bytes gauge');
    expect((await fetch(`http://127.0.0.1:${f.healthPort}/nope`)).status).toBe(404);
  });
});
