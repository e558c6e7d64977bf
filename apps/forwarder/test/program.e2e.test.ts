import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { type Env, NS, numbered, POD, SESSION, seedPod, setup, waitFor } from './helpers.js';

const PKG = join(import.meta.dirname, '..');
const BIN = join(PKG, 'bin', 'logtap-forwarder.js');
const BUNDLE = join(PKG, 'dist', 'bundle', 'logtap-forwarder.mjs');
const VERSION = (JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The bundle laid out as the image has it (docker/forwarder.Dockerfile): the file alone in a directory
 * whose node_modules holds only snappy, far from the repository's node_modules, so a dependency the
 * bundle failed to inline makes these tests fail.
 */
let app: string;
beforeAll(async () => {
  app = await mkdtemp(join(tmpdir(), 'logtap-fwd-image-'));
  await mkdir(join(app, 'node_modules'));
  await copyFile(BUNDLE, join(app, 'logtap-forwarder.mjs'));
  await symlink(await realpath(join(PKG, 'node_modules', 'snappy')), join(app, 'node_modules', 'snappy'));
});
afterAll(async () => {
  await rm(app, { recursive: true, force: true });
});

let env: Env;
const children: ChildProcess[] = [];
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await env.cleanup();
});

interface Run {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

/** The V8 flags of the image (docker/forwarder.Dockerfile: NODE_OPTIONS and the ENTRYPOINT's flags). */
function imageNodeFlags(): string[] {
  const text = readFileSync(join(PKG, 'docker', 'forwarder.Dockerfile'), 'utf8');
  const options = /NODE_OPTIONS="([^"]*)"/.exec(text)?.[1];
  const entry = /^ENTRYPOINT \[(.*)\]$/m.exec(text)?.[1];
  if (options === undefined || entry === undefined)
    throw new Error('forwarder.Dockerfile: no NODE_OPTIONS or ENTRYPOINT');
  const argv = JSON.parse(`[${entry}]`) as string[];
  return [...options.split(' '), ...argv.filter((a) => a.startsWith('--'))].filter(Boolean);
}

/** Runs the real `logtap-forwarder` program against the test API server (KUBECONFIG mode). */
function runForwarder(program: readonly string[], extraEnv: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, program, {
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: join(env.dir, 'kubeconfig'),
      LOGTAP_TARGET: env.receiver.url,
      LOGTAP_SESSION: SESSION,
      LOGTAP_POD_NAME: POD,
      LOGTAP_NAMESPACE: NS,
      LOGTAP_NODE_NAME: 'node-1',
      LOGTAP_WORKLOAD_KIND: 'Deployment',
      LOGTAP_WORKLOAD_NAME: 'api',
      LOGTAP_HEALTH_PORT: '0',
      LOGTAP_POLL_INTERVAL: '200ms',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const logs: Array<Record<string, unknown>> = [];
  let rest = '';
  child.stderr!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const p of parts) if (p.trim()) logs.push(JSON.parse(p) as Record<string, unknown>);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs, exit };
}

describe.each([
  ['dist (tsc output)', () => [BIN]],
  [
    'bundle with the image flags (what the image runs)',
    () => [...imageNodeFlags(), join(app, 'logtap-forwarder.mjs')],
  ],
])('the logtap-forwarder program: %s', (_name, program) => {
  test('SIGTERM: reads the app containers to their end while they stop, flushes, pushes everything, exits 0', async () => {
    seedPod(env.server, { grace: 15 });
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('before', 0, 20));
    // Batches wait an hour: without the flush on SIGTERM nothing would be pushed.
    const run = runForwarder(program(), { LOGTAP_BATCH_WAIT: '1h' });
    await waitFor('the follow stream', () => env.server.logs.followers(NS, POD, 'app') === 1);
    env.server.logs.append(NS, POD, 'app', numbered('live', 0, 30));
    await waitFor('lines read', async () => {
      const port = run.logs.find((l) => l.msg === 'forwarder started')?.healthPort;
      if (port === undefined) return false;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text.includes('logtap_forwarder_lines_read_total{container="app"} 50');
    });
    expect(env.receiver.stats?.linesReceived).toBe(0);
    run.child.kill('SIGTERM');
    // The pod is going away: the app logs its shutdown after the forwarder got its signal, then exits.
    await new Promise((r) => setTimeout(r, 300));
    env.server.logs.append(NS, POD, 'app', numbered('shutdown', 0, 5));
    env.server.logs.terminateContainer(NS, POD, 'app');
    expect(await run.exit).toBe(0);
    expect((await env.receiver.entries()).map((e) => e.msg)).toEqual([
      ...numbered('before', 0, 20),
      ...numbered('live', 0, 30),
      ...numbered('shutdown', 0, 5),
    ]);
    const stopped = run.logs.find((l) => l.msg === 'forwarder stopped');
    expect(stopped).toMatchObject({ linesRead: 55, linesSent: 55, linesDropped: 0, drained: true });
    expect(run.logs.find((l) => l.msg === 'signal received')).toMatchObject({ signal: 'SIGTERM' });
    // The bundle has no package.json beside it: its version is compiled in.
    expect(run.logs.find((l) => l.msg === 'forwarder started')?.version).toBe(VERSION);
  });

  test('SIGTERM with an app that keeps running: stops reading after the drain timeout and still flushes', async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('line', 0, 10));
    const run = runForwarder(program(), { LOGTAP_BATCH_WAIT: '1h', LOGTAP_DRAIN_TIMEOUT: '300ms' });
    await waitFor('the follow stream', () => env.server.logs.followers(NS, POD, 'app') === 1);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await env.receiver.entries()).map((e) => e.msg)).toEqual(numbered('line', 0, 10));
    expect(run.logs.find((l) => l.msg === 'forwarder stopped')).toMatchObject({
      drained: false,
      linesSent: 10,
    });
  });

  test("refused API calls are logged with the API server's reason, then retried until allowed", async () => {
    seedPod(env.server);
    env.server.logs.startContainer(NS, POD, 'app');
    env.server.logs.append(NS, POD, 'app', numbered('line', 0, 10));
    // The pod read (CoreV1Api.readNamespacedPod) and the log stream (Log + readNamespacedPodLog for the
    // Status that Log hides) both go through client-node: the bundle must keep their error paths.
    const undenyPods = env.server.authz.deny({ verbs: ['get'], resources: ['pods'] });
    const run = runForwarder(program(), { LOGTAP_BATCH_WAIT: '50ms', LOGTAP_DRAIN_TIMEOUT: '200ms' });
    await waitFor('a pod read refused', () => run.logs.some((l) => l.msg === 'cannot read the own pod'));
    expect(String(run.logs.find((l) => l.msg === 'cannot read the own pod')?.error)).toContain(
      `pods "${POD}" is forbidden`,
    );
    const undenyLog = env.server.authz.deny({ resources: ['pods/log'] });
    undenyPods();
    await waitFor('a log stream refused', () =>
      run.logs.some((l) => l.level === 'warn' && String(l.error).includes('is forbidden')),
    );
    expect(String(run.logs.find((l) => l.level === 'warn' && l.container === 'app')?.error)).toContain(
      'pods "api-7d9f-abcde" is forbidden',
    );
    undenyLog();
    await waitFor('10 lines received', async () => (await env.receiver.entries()).length === 10);
    expect((await env.receiver.entries()).map((e) => e.msg)).toEqual(numbered('line', 0, 10));
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  test('a bad environment exits 2 naming every bad variable', async () => {
    const run = runForwarder(program(), {
      LOGTAP_TARGET: '',
      LOGTAP_BATCH_BYTES: 'lots',
      LOGTAP_HEALTH_PORT: '99999',
    });
    expect(await run.exit).toBe(2);
    const err = run.logs.find((l) => l.level === 'error');
    expect(err?.code).toBe('FORWARDER_CONFIG');
    expect(err?.msg).toEqual(expect.stringContaining('LOGTAP_TARGET is required'));
    expect(err?.msg).toEqual(expect.stringContaining('LOGTAP_BATCH_BYTES=lots'));
    expect(err?.msg).toEqual(expect.stringContaining('LOGTAP_HEALTH_PORT=99999'));
  });
});
