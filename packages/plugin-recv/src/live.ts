// The live TUI of `logtap recv` (when not --headless): the receiver's Sink is teed into @logtap/tui's
// RecentLines, and the view reads counters from receiver.stats(). The view never touches the HTTP path,
// and the tee keeps the receiver on exactly its headless path (see tap.ts).
import { CaptureWriter } from '@logtap/capture';
import type { Receiver, ReceiverStats } from '@logtap/receiver';
import {
  type LiveSource,
  type LiveStats,
  RecentLines,
  restoreTerminals,
  runLiveView,
  type TerminalOptions,
  writeEntriesAsCapture,
} from '@logtap/tui';

export { tapSink } from './tap.js';
export { RecentLines, restoreTerminals };

/** The receiver's counters as the live view shows them. */
export function toLiveStats(s: ReceiverStats, maxDiskBytes: number, recent: RecentLines): LiveStats {
  let hits = 0;
  for (const n of Object.values(s.redaction.hits)) hits += n;
  return {
    inFlight: s.inflightPushes,
    lines: s.linesReceived,
    bytes: s.bytesReceived,
    dropped: s.linesDropped + s.linesRejected,
    diskBytes: s.diskBytes,
    diskCapBytes: maxDiskBytes,
    redaction: { enabled: s.redaction.enabled, rules: s.redaction.rules, hits },
    services: recent.services(),
  };
}

/** `w` in the live view: the filtered lines as a new capture directory. */
export function writeCapture(dir: string, entries: Parameters<typeof writeEntriesAsCapture>[2]) {
  return writeEntriesAsCapture((d) => CaptureWriter.open(d, { worker: false }), dir, entries);
}

/**
 * Runs the live view until the user quits (q, Ctrl+C) or `signal` aborts (SIGTERM); quitting closes the
 * receiver gracefully (drain, final frame, index, metadata). Resolves the receiver's final stats.
 */
export async function runLive(
  receiver: Receiver,
  recent: RecentLines,
  opts: {
    terminal: TerminalOptions;
    version: string;
    dir: string;
    maxDiskBytes: number;
    signal?: AbortSignal;
    /** Ctrl+C pressed again while the receiver stops (a key in raw mode): the second-signal path. */
    onInterruptWhileClosing?: () => void;
  },
): Promise<ReceiverStats> {
  let final: ReceiverStats | undefined;
  const source: LiveSource = {
    stats: () => toLiveStats(receiver.stats(), opts.maxDiskBytes, recent),
    drainRecent: (max) => recent.drainRecent(max),
    onQuit: async () => {
      final = await receiver.close();
    },
  };
  await runLiveView(source, {
    terminal: opts.terminal,
    header: { version: opts.version, listen: receiver.url, captureDir: opts.dir },
    writeCapture,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onInterruptWhileClosing ? { onInterruptWhileClosing: opts.onInterruptWhileClosing } : {}),
  });
  return final ?? (await receiver.close());
}
