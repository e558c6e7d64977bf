// The live TUI of `logtap recv` (when not --headless): the receiver's Sink is teed into @logtap/tui's
// RecentLines, and the view reads counters from receiver.stats(). The view never touches the HTTP path,
// and the tee keeps the receiver on exactly its headless path (see tapSink).
import { CaptureWriter } from '@logtap/capture';
import type { Receiver, ReceiverStats, Sink } from '@logtap/receiver';
import {
  type LiveSource,
  type LiveStats,
  RecentLines,
  runLiveView,
  type TerminalOptions,
  writeEntriesAsCapture,
} from '@logtap/tui';

export { RecentLines };

/**
 * A Sink that also hands every accepted batch to the live view; what the sink answers is unchanged.
 * It takes serialised batches whenever the inner sink does, so the receiver keeps its fast path with the
 * view attached (columnar decode, lines serialised from their wire bytes, redaction threads): per batch
 * the view costs a histogram of its label-set column and a copy of its newest few hundred lines, taken
 * before the batch's buffers move to the writer thread.
 */
export function tapSink(sink: Sink, recent: RecentLines): Sink {
  const tapped: Sink = {
    append(entries) {
      const ok = sink.append(entries);
      if (ok) recent.offer(entries);
      return ok;
    },
    stats: () => sink.stats(),
    flush: () => sink.flush(),
    close: () => sink.close(),
  };
  const appendEncoded = sink.appendEncoded?.bind(sink);
  if (appendEncoded) {
    tapped.appendEncoded = (batch) => {
      // Sampled first: an accepted batch is transferred to the writer thread (its buffers detached).
      const sample = recent.sampleEncoded(batch);
      const ok = appendEncoded(batch);
      if (ok) recent.offerSample(sample);
      return ok;
    };
  }
  if (sink.setCounters) tapped.setCounters = (c) => sink.setCounters!(c);
  if (sink.audit) tapped.audit = (event, fields) => sink.audit!(event, fields);
  return tapped;
}

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
function writeCapture(dir: string, entries: Parameters<typeof writeEntriesAsCapture>[2]) {
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
  });
  return final ?? (await receiver.close());
}
