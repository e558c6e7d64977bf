import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { type Env, FORWARDER, NS, numbered, POD, SESSION, seedPod, setup, waitFor } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => {
  await env.cleanup();
});

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
});
