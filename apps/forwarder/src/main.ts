/**
 * The `logtap-forwarder` program: the only module that touches the process (environment, signals, stderr,
 * exit code). Everything else is the library in the other modules.
 */
import { readFile } from 'node:fs/promises';
import { parseConfig } from './config.js';
import { ForwarderError } from './errors.js';
import { Forwarder, shutdownBudget } from './forwarder.js';
import { inClusterEndpoint, KubeClient, type KubeEndpoint, kubeconfigEndpoint } from './kube.js';
import { jsonLogger, type Logger } from './logger.js';

const write = (line: string) => {
  process.stderr.write(line);
};

/** Set by scripts/bundle.mjs (esbuild `define`): the bundle has no package.json next to it. */
declare const LOGTAP_FORWARDER_VERSION: string | undefined;

async function version(): Promise<string> {
  if (typeof LOGTAP_FORWARDER_VERSION === 'string') return LOGTAP_FORWARDER_VERSION;
  try {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'dev';
  } catch {
    return 'dev'; // run from a copy without its package.json
  }
}

async function run(): Promise<number> {
  let logger: Logger = jsonLogger(write);
  let endpoint: KubeEndpoint | undefined;
  try {
    const cfg = parseConfig(process.env);
    logger = jsonLogger(write, cfg.logLevel);
    const kubeconfig = cfg.kubeconfig?.split(':').find((p) => p !== '');
    endpoint = kubeconfig
      ? await kubeconfigEndpoint(kubeconfig, cfg.kubeContext)
      : await inClusterEndpoint({ host: cfg.kubernetesServiceHost, port: cfg.kubernetesServicePort });
    const forwarder = await Forwarder.start({
      kube: new KubeClient(endpoint),
      namespace: cfg.namespace,
      podName: cfg.podName,
      session: cfg.session,
      target: cfg.target,
      nodeName: cfg.nodeName,
      podUid: cfg.podUid,
      workloadKind: cfg.workloadKind,
      workloadName: cfg.workloadName,
      authToken: cfg.authToken,
      tls: {
        ca: cfg.tlsCaFile ? await readFile(cfg.tlsCaFile) : undefined,
        rejectUnauthorized: !cfg.tlsSkipVerify,
      },
      batchBytes: cfg.batchBytes,
      batchWaitMs: cfg.batchWaitMs,
      bufferBytes: cfg.bufferBytes,
      maxLineBytes: cfg.maxLineBytes,
      pollIntervalMs: cfg.pollIntervalMs,
      pushTimeoutMs: cfg.pushTimeoutMs,
      healthPort: cfg.healthPort,
      logger,
      version: await version(),
    });
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    // A second signal means "now": exit without waiting for the flush.
    const hard = (s: NodeJS.Signals) => {
      logger.warn('second signal: exiting without flushing', { signal: s });
      process.exit(1);
    };
    process.once('SIGTERM', hard);
    process.once('SIGINT', hard);
    const budget = shutdownBudget(forwarder.gracePeriodSeconds, cfg);
    logger.info('signal received', { signal, ...budget });
    await forwarder.stop(budget);
    await endpoint.close();
    return 0;
  } catch (err) {
    if (err instanceof ForwarderError) logger.error(err.message, { code: err.code });
    else logger.error('forwarder failed', { error: (err as Error)?.stack ?? String(err) });
    await endpoint?.close().catch(() => {
      // Closing after a failure is best effort: the process exits next.
    });
    return err instanceof ForwarderError && err.code === 'FORWARDER_CONFIG' ? 2 : 1;
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    write(`${JSON.stringify({ level: 'error', msg: String((err as Error)?.stack ?? err) })}\n`);
    process.exit(1);
  },
);
