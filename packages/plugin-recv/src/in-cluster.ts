import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import {
  copyInClusterCapture,
  defaultReceiverImage,
  deleteInClusterReceiver,
  forwardInClusterReceiver,
  generateSessionId,
  type InClusterReceiver,
  KubeClient,
  loadKubeConfig,
  type PortForwardHandle,
  probeReceiver,
  type ReceiverCounters,
  startInClusterReceiver,
  stopInClusterReceiver,
  waitForInClusterReceiver,
} from '@logtap/k8s';
import type { TerminalOptions } from '@logtap/tui';
import { parseRecvConfig, type RecvFlags } from './config.js';
import { RecvError } from './failure.js';
import type { InClusterFlagValues } from './in-cluster-flags.js';
import { parseDuration } from './units.js';

/** How `recv --in-cluster` touches the process (the command passes it in). */
export interface InClusterIo {
  log(line: string): void;
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  hardExit(code: number): void;
  version: string;
  /** For KUBECONFIG. */
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  now?: () => number;
  /**
   * Draw the live view on this terminal (not --headless and a TTY): the receiver's counters, top talkers
   * and newest lines polled from its live endpoint through the port-forward, instead of progress lines.
   */
  terminal?: TerminalOptions;
}

/** The account of an `--in-cluster` run, returned for `--json`. */
export interface InClusterSummary {
  mode: 'in-cluster';
  namespace: string;
  pod: string;
  target: string;
  dir: string;
  durationMs: number;
  /** A signal (Ctrl-C, SIGTERM), --ttl, or q / Ctrl+C in the live view. */
  stoppedBy: 'signal' | 'ttl' | 'quit';
  /** Exit code of the receiver in the pod (undefined: it did not stop in time; the capture was copied as is). */
  receiverExit: number | undefined;
  copied: { files: number; bytes: number };
  deleted: string[];
  /** The receiver's last counters (from its /metrics through the port-forward). */
  counters: ReceiverCounters | undefined;
}

const K8S_EXIT = 7;
const COPY_EXIT = 8;

function k8sFailure(err: unknown, what: string): RecvError {
  const code = (err as { code?: unknown }).code;
  const message = (err as Error)?.message ?? String(err);
  const suggestions =
    code === 'K8S_NO_CLUSTER_CONFIGURED' || code === 'K8S_CONTEXT_NOT_FOUND'
      ? ['point --kubeconfig or $KUBECONFIG at the cluster, or pick a --context']
      : code === 'K8S_FORBIDDEN'
        ? ['logtap check -n <namespace> lists the permissions --in-cluster needs']
        : code === 'K8S_RECEIVER_NOT_READY'
          ? ['kubectl get events -n <namespace> shows why', 'use --image to pick a reachable receiver image']
          : [];
  return new RecvError('RECV_IN_CLUSTER', `${what}: ${message}`, K8S_EXIT, suggestions, { cause: err });
}

/** The `logtap recv` flags that the receiver in the pod gets, as given (already validated). */
function remoteArgs(flags: RecvFlags): string[] {
  const args: string[] = [];
  for (const f of [
    'max-file',
    'max-file-age',
    'max-disk',
    'min-free',
    'buffer',
    'on-full',
    'max-body',
    'max-line',
  ] as const)
    args.push(`--${f}`, flags[f]);
  args.push('--progress-interval', '0');
  if (flags.redact !== undefined) args.push(`--redact=${flags.redact === '' ? 'all' : flags.redact}`);
  if (!flags['redact-labels']) args.push('--no-redact-labels');
  return args;
}

/**
 * `logtap recv --in-cluster`: the receiver runs in the cluster, this process forwards a local port to it,
 * prints its progress, and at the end (signal or --ttl) stops it gracefully, copies the capture into
 * --dir and deletes what it created. See docs/forwarder.md, "The in-cluster receiver".
 */
export async function runInCluster(
  flags: RecvFlags & InClusterFlagValues,
  io: InClusterIo,
): Promise<InClusterSummary> {
  const now = io.now ?? Date.now;
  const config = parseRecvConfig(flags);
  for (const f of ['tls-cert', 'tls-key', 'redact-patterns'] as const)
    if (flags[f] !== undefined)
      throw new RecvError(
        'RECV_FLAG_INVALID',
        `--${f} is not supported with --in-cluster (it names a local file)`,
        2,
        ['drop the flag, or run recv locally'],
      );
  const ttlMs = parseDuration(flags.ttl);
  if (ttlMs === undefined || ttlMs <= 0)
    throw new RecvError(
      'RECV_FLAG_INVALID',
      `Invalid value for --ttl: ${JSON.stringify(flags.ttl)}. Expected a duration such as 4h or 90m.`,
      2,
    );
  if (existsSync(config.dir) && (await readdir(config.dir)).length > 0)
    throw new RecvError(
      'RECV_CAPTURE_DIR',
      `--dir ${config.dir} is not empty: --in-cluster copies the capture into an empty directory`,
      4,
      ['pick a new directory with --dir'],
    );

  let client: KubeClient;
  try {
    const paths = flags.kubeconfig
      ? [flags.kubeconfig]
      : (io.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    client = new KubeClient(
      loadKubeConfig({
        paths: paths.length > 0 ? paths : [join(io.home, '.kube', 'config')],
        context: flags.context,
      }),
    );
  } catch (err) {
    throw k8sFailure(err, 'cannot connect to the cluster');
  }

  const started = now();
  const image = flags.image ?? defaultReceiverImage(io.version);
  const spec = {
    namespace: flags.namespace,
    image,
    run: generateSessionId(),
    recvArgs: remoteArgs(flags),
    maxDiskBytes: config.maxDiskBytes,
    ttlSeconds: Math.ceil(ttlMs / 1000),
    now: new Date(started),
    authToken: config.authToken,
    // The live view's read token: random per run, only when the view is shown (the endpoint costs the
    // receiver a sample of each batch).
    liveToken: io.terminal ? randomBytes(24).toString('base64url') : undefined,
  };
  io.log(
    `logtap recv: creating the receiver in namespace ${spec.namespace} (image ${image}, run ${spec.run})`,
  );
  let rx: InClusterReceiver;
  try {
    rx = await startInClusterReceiver(client, spec);
  } catch (err) {
    throw k8sFailure(err, 'cannot create the in-cluster receiver');
  }

  // From here on, every way out deletes what was created (or says what is left).
  const stop = new AbortController();
  let stoppedBy: InClusterSummary['stoppedBy'] = 'signal';
  let cleaning = false;
  // While the live view owns the terminal, lines wait and are printed when it closes.
  let held: string[] | undefined;
  // Set while the live view's module is loaded: leaves its full screen (idempotent) before a hard exit.
  let restoreScreen: (() => void) | undefined;
  const log = (line: string): void => {
    if (held) held.push(line);
    else io.log(line);
  };
  const removeSignals = io.onSignal((signal) => {
    if (!stop.signal.aborted) {
      log(
        `logtap recv: ${signal}: stopping the in-cluster receiver and copying the capture to ${config.dir} (press Ctrl-C again to exit at once)`,
      );
      stop.abort();
      return;
    }
    // The view may still be up (two signals in a row): back to the normal screen before the last words.
    restoreScreen?.();
    if (held) for (const line of held.splice(0)) io.log(line);
    held = undefined;
    io.log(
      `logtap recv: ${signal} again: exiting now; left in the cluster: pod and service ${rx.pod} in namespace ${rx.namespace}${rx.createdNamespace ? ' (and the namespace)' : ''} — logtap check -n ${rx.namespace} lists them`,
    );
    io.hardExit(130);
  });
  let pf: PortForwardHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    try {
      await waitForInClusterReceiver(client, rx, { timeoutMs: 180_000, signal: stop.signal });
    } catch (err) {
      if (stop.signal.aborted)
        throw new RecvError('RECV_IN_CLUSTER', 'stopped before the receiver was ready', 130);
      throw k8sFailure(err, 'the in-cluster receiver did not start');
    }
    try {
      pf = await forwardInClusterReceiver(client, rx, { localPort: config.port, host: config.host });
    } catch (err) {
      io.log(
        `logtap recv: warning: cannot listen on ${flags.listen} (${(err as Error).message}); forwarding a free port instead`,
      );
      pf = await forwardInClusterReceiver(client, rx, { host: config.host });
    }
    const hostPort = rx.target.replace(/^http:\/\//, '');
    io.log(`logtap recv: in-cluster receiver ready; pods push to ${rx.target}`);
    io.log(
      `logtap recv: tap workloads with: logtap tap -n <namespace> --target ${hostPort} --deployment <name>`,
    );
    io.log(`logtap recv: local port-forward: ${pf.url} (push or scrape /metrics here)`);
    io.log(
      `logtap recv: the run ends at ${rx.expiresAt.toISOString()} (--ttl); Ctrl-C ends it now and copies the capture to ${config.dir}`,
    );

    let counters: ReceiverCounters | undefined;
    const probe = async () => {
      const p = await probeReceiver(pf!.url, { timeoutMs: 5000 });
      if (p.counters) counters = p.counters;
      return p;
    };
    timer = setTimeout(() => {
      stoppedBy = 'ttl';
      log(`logtap recv: --ttl ${flags.ttl} reached: stopping the in-cluster receiver`);
      stop.abort();
    }, ttlMs);
    if (io.terminal && spec.liveToken !== undefined && !stop.signal.aborted) {
      // --- the live view, polling the receiver's live endpoint through the port-forward; q / Ctrl+C in
      // it (or a signal, or --ttl) ends the run like Ctrl-C does without it.
      const { watchInCluster, restoreTerminals } = await import('./in-cluster-live.js');
      restoreScreen = restoreTerminals;
      held = [];
      try {
        await watchInCluster({
          url: pf.url,
          token: spec.liveToken,
          terminal: io.terminal,
          version: io.version,
          listen: `${hostPort} (in-cluster) ⇐ ${pf.url.replace(/^http:\/\//, '')}`,
          // The run's end (--ttl), so nobody is surprised by the copy back starting on its own.
          captureDir: `${rx.namespace}/${rx.pod} (ends ${rx.expiresAt.toISOString().slice(11, 16)}Z) → ${config.dir}`,
          label: `${rx.namespace}/${rx.pod} via ${pf.url.replace(/^http:\/\//, '')}`,
          maxDiskBytes: config.maxDiskBytes,
          signal: stop.signal,
          onQuit: () => {
            if (!stop.signal.aborted) {
              stoppedBy = 'quit';
              stop.abort();
            }
          },
        });
      } finally {
        const lines = held ?? [];
        held = undefined;
        for (const line of lines) io.log(line);
      }
      // (assigned in onQuit: TypeScript does not see it)
      if ((stoppedBy as InClusterSummary['stoppedBy']) === 'quit')
        io.log(`logtap recv: stopping the in-cluster receiver and copying the capture to ${config.dir}`);
    } else {
      if (config.progressIntervalMs > 0)
        progress = setInterval(() => {
          void probe().then((p) =>
            io.log(
              p.counters
                ? `logtap recv: in-cluster received=${p.counters.linesReceived} dropped=${p.counters.linesDropped} disk=${p.counters.diskUsageBytes}B`
                : `logtap recv: in-cluster receiver not answering through the port-forward (${p.error ?? 'unknown'})`,
            ),
          );
        }, config.progressIntervalMs);
      await new Promise<void>((resolve) => {
        if (stop.signal.aborted) resolve();
        stop.signal.addEventListener('abort', () => resolve());
      });
    }
    clearInterval(progress);
    clearTimeout(timer);

    // --- the end of the run: last counters, graceful stop, copy back, delete.
    cleaning = true;
    await probe();
    await pf.close();
    pf = undefined;
    let receiverExit: number | undefined;
    try {
      receiverExit = await stopInClusterReceiver(client, rx, { timeoutMs: 60_000 });
      io.log(
        receiverExit === undefined
          ? 'logtap recv: the receiver did not stop within 60s; copying the capture as it is (it is crash-safe)'
          : `logtap recv: the receiver stopped (exit ${receiverExit}); copying the capture to ${config.dir}`,
      );
    } catch (err) {
      io.log(
        `logtap recv: warning: could not stop the receiver gracefully (${(err as Error).message}); copying the capture as it is`,
      );
    }
    let copied: { files: string[]; bytes: number };
    try {
      copied = await copyInClusterCapture(client, rx, config.dir);
    } catch (err) {
      throw new RecvError(
        'RECV_COPY_BACK',
        `${(err as Error).message}; the receiver pod ${rx.namespace}/${rx.pod} is kept (it ends at ${rx.expiresAt.toISOString()} + 10 minutes)`,
        COPY_EXIT,
        [
          `fetch it yourself: kubectl exec -n ${rx.namespace} ${rx.pod} -c capture -- tar cf - -C /data/capture . | tar xf - -C ${config.dir}`,
          `then delete it: kubectl delete pod,svc -n ${rx.namespace} -l logtap.dev/run=${rx.run}`,
        ],
        { cause: err },
      );
    }
    io.log(`logtap recv: copied ${copied.files.length} files (${copied.bytes} bytes) to ${config.dir}`);
    const deleted = await deleteInClusterReceiver(client, rx);
    io.log(`logtap recv: deleted ${deleted.join(', ') || 'nothing (already gone)'}`);
    return {
      mode: 'in-cluster',
      namespace: rx.namespace,
      pod: rx.pod,
      target: rx.target,
      dir: config.dir,
      durationMs: now() - started,
      stoppedBy,
      receiverExit,
      copied: { files: copied.files.length, bytes: copied.bytes },
      deleted,
      counters,
    };
  } catch (err) {
    clearInterval(progress);
    clearTimeout(timer);
    await pf?.close();
    // A failed copy keeps the pod (the capture is only there); anything else before it deletes the run.
    if (!(err instanceof RecvError && err.code === 'RECV_COPY_BACK')) {
      const deleted = await deleteInClusterReceiver(client, rx).catch(() => [] as string[]);
      if (deleted.length > 0) io.log(`logtap recv: deleted ${deleted.join(', ')}`);
    }
    if (err instanceof RecvError) throw err;
    throw k8sFailure(err, cleaning ? 'ending the in-cluster run failed' : 'the in-cluster run failed');
  } finally {
    removeSignals();
  }
}
