import { readFile } from 'node:fs/promises';
import { CaptureWriter } from '@logtap/capture';
import { type LiveQuery, listenWarnings, Receiver, type ReceiverStats } from '@logtap/receiver';
import type { TerminalOptions } from '@logtap/tui';
import type { RecvConfig } from './config.js';
import { describeFailure, RecvError } from './failure.js';
// The live TUI (live.ts, @logtap/tui) and the redactor (@logtap/redact) load only when used: headless
// recv without --redact does not carry them (about 30 MB less resident memory).
import type { RecentLines } from './live.js';
import { progressLine, startLine, summaryLines } from './report.js';
import { writerSink } from './sink.js';

export { describeFailure };

/** What the command hands to runRecv: the only ways it touches the process. */
export interface RecvIo {
  /** Writes one line to stderr. */
  log(line: string): void;
  /** Registers the SIGINT/SIGTERM handler; returns its removal. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Ends the process at once (second signal). */
  hardExit(code: number): void;
  version: string;
  now?: () => number;
  /** Draw the live TUI on this terminal (not --headless and a TTY); without it recv runs headless. */
  terminal?: TerminalOptions;
}

/** The receiver counters a run's summary reports (a fixed list: the `--json` output is documented). */
const SUMMARY_KEYS = [
  'linesReceived',
  'bytesReceived',
  'linesWritten',
  'bytesWritten',
  'linesDropped',
  'droppedByReason',
  'droppedByStream',
  'linesRejected',
  'linesInvalid',
  'linesTruncated',
  'diskBytes',
  'rotations',
  'evictions',
  'pushes',
  'pushesByStatus',
  'redaction',
] as const satisfies ReadonlyArray<keyof ReceiverStats>;

/** The final account of a run, returned for `--json`. */
export type RecvSummary = { dir: string; listen: string; durationMs: number } & Pick<
  ReceiverStats,
  (typeof SUMMARY_KEYS)[number]
>;

/**
 * Runs the receiver until SIGINT/SIGTERM: opens the capture, starts the server, prints progress, and on
 * the first signal drains and closes everything and resolves the summary. A second signal aborts and
 * exits with 130 at once.
 */
export async function runRecv(config: RecvConfig, io: RecvIo): Promise<RecvSummary> {
  const now = io.now ?? Date.now;
  const tls = config.tls === undefined ? undefined : await readTls(config.tls);
  const redaction = config.redact.enabled
    ? await (await import('./redaction.js')).loadRedaction(config)
    : undefined;
  const redactor = redaction?.redactor;
  let writer: CaptureWriter;
  try {
    writer = await CaptureWriter.open(config.dir, {
      maxFileBytes: config.maxFileBytes,
      ...(config.maxFileAgeMs > 0 ? { maxFileAge: config.maxFileAgeMs } : {}),
      maxDiskBytes: config.maxDiskBytes,
      maxPendingBytes: config.bufferBytes,
      minFreeBytes: config.minFreeBytes,
      zstdLevel: config.zstdLevel,
      redaction:
        redactor === undefined
          ? { enabled: false, rules: [] }
          : { enabled: true, rules: [...redactor.rules], policyHash: redactor.policyHash },
    });
  } catch (err) {
    throw new RecvError(
      'RECV_CAPTURE_DIR',
      `cannot open the capture directory ${config.dir}: ${(err as Error).message}`,
      4,
      [
        'pick another directory with --dir',
        'check that the directory is writable and not used by another recv',
      ],
      { cause: err },
    );
  }

  const live = io.terminal ? await import('./live.js') : undefined;
  const recent: RecentLines | undefined = live ? new live.RecentLines() : undefined;
  let sink = writerSink(writer);
  // --live-token: GET /logtap/v1/live for a remote live view (recv --in-cluster polls it), fed by a tee
  // like the local view's; only @logtap/tui's RecentLines loads (no terminal code).
  let feed: { answer: (q: LiveQuery) => unknown } | undefined;
  if (config.liveToken !== undefined) {
    const [{ RecentLines: Recent }, { LiveFeed }, { tapSink }] = await Promise.all([
      import('@logtap/tui/recent'),
      import('./live-feed.js'),
      import('./tap.js'),
    ]);
    const remote = new Recent();
    feed = new LiveFeed(remote);
    sink = tapSink(sink, remote);
  }
  if (live && recent) sink = live.tapSink(sink, recent);
  let receiver: Receiver;
  try {
    receiver = await Receiver.start({
      sink,
      queueBytes: config.bufferBytes,
      host: config.host,
      port: config.port,
      tls,
      authToken: config.authToken,
      onFull: config.onFull,
      maxBodyBytes: config.maxBodyBytes,
      maxLineBytes: config.maxLineBytes,
      // Redaction runs in threads (decode, redact and serialise each push there), before anything is
      // queued; the same with the live view, whose tapped sink takes serialised batches too.
      redaction:
        redaction === undefined
          ? undefined
          : {
              policy: redaction.policy,
              ...(config.redactThreads === undefined ? {} : { threads: config.redactThreads }),
            },
      redactLabels: config.redactLabels,
      live:
        config.liveToken === undefined
          ? undefined
          : { token: config.liveToken, ...(feed ? { feed: (q: LiveQuery) => feed.answer(q) } : {}) },
      version: io.version,
      now,
    });
  } catch (err) {
    await writer.close().catch(() => {
      // The start failure is what the user needs to see; a close error on an empty capture adds nothing.
    });
    throw err;
  }

  const started = now();
  io.log(startLine(config, receiver.url, redactor));
  for (const warning of listenWarnings({
    host: config.host,
    tls: tls !== undefined,
    authToken: config.authToken !== undefined,
  })) {
    io.log(`logtap recv: warning: ${warning}`);
  }

  // --- live TUI: replaces the progress lines; q, Ctrl+C or SIGTERM stop gracefully, a second signal at once.
  if (io.terminal && live && recent) {
    const stopping = new AbortController();
    let signals = 0;
    // A second Ctrl-C (SIGINT, or the key while the view shows "stopping": in raw mode it is a key):
    // leave the full screen first, so the last words and the shell land on the normal screen.
    const exitNow = (what: string): void => {
      receiver.abort();
      live.restoreTerminals();
      io.log(`logtap recv: ${what} again: exiting now; the capture will be recovered when next opened`);
      io.hardExit(130);
    };
    const remove = io.onSignal((signal) => {
      if (++signals === 1) return stopping.abort();
      exitNow(signal);
    });
    let final: ReceiverStats;
    try {
      final = await live.runLive(receiver, recent, {
        terminal: io.terminal,
        version: io.version,
        dir: config.dir,
        maxDiskBytes: config.maxDiskBytes,
        signal: stopping.signal,
        onInterruptWhileClosing: () => exitNow('Ctrl-C'),
      });
    } finally {
      remove();
    }
    const summary = toSummary(config, receiver.url, now() - started, final);
    for (const line of summaryLines(summary)) io.log(line);
    return summary;
  }
  // --- end of live TUI

  let previous = { at: started, stats: receiver.stats() };
  const timer =
    config.progressIntervalMs > 0
      ? setInterval(() => {
          const stats = receiver.stats();
          io.log(progressLine(stats, previous, now(), config));
          previous = { at: now(), stats };
        }, config.progressIntervalMs)
      : undefined;

  const final = await new Promise<ReceiverStats>((resolve, reject) => {
    let signals = 0;
    const remove = io.onSignal((signal) => {
      signals++;
      if (signals === 1) {
        io.log(`logtap recv: ${signal}: stopping; draining the queue (press Ctrl-C again to exit at once)`);
        if (timer !== undefined) clearInterval(timer);
        receiver.close().then((stats) => {
          remove();
          resolve(stats);
        }, reject);
        return;
      }
      io.log(`logtap recv: ${signal} again: exiting now; the capture will be recovered when next opened`);
      receiver.abort();
      io.hardExit(130);
    });
  });

  const summary = toSummary(config, receiver.url, now() - started, final);
  for (const line of summaryLines(summary)) io.log(line);
  return summary;
}

async function readTls(files: { certFile: string; keyFile: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (file: string, flag: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      throw new RecvError(
        'RECV_TLS_FILE',
        `cannot read --${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        5,
        [`check the path given to --${flag}`],
        { cause: err },
      );
    }
  };
  return { cert: await read(files.certFile, 'tls-cert'), key: await read(files.keyFile, 'tls-key') };
}

function toSummary(config: RecvConfig, listen: string, durationMs: number, s: ReceiverStats): RecvSummary {
  const picked = Object.fromEntries(SUMMARY_KEYS.map((k) => [k, s[k]])) as Pick<
    ReceiverStats,
    (typeof SUMMARY_KEYS)[number]
  >;
  return { dir: config.dir, listen, durationMs, ...picked };
}
