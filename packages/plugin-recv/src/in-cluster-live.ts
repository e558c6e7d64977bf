// The live view of `recv --in-cluster` (in a terminal, not --headless): @logtap/tui's live view over a
// RemoteLiveSource polling the pod's GET /logtap/v1/live through the port-forward.
import { restoreTerminals, runLiveView, type TerminalOptions } from '@logtap/tui';
import { writeCapture } from './live.js';
import { RemoteLiveSource } from './remote-live.js';

export { restoreTerminals };

export interface WatchInClusterOptions {
  /** The local end of the port-forward. */
  url: string;
  /** The receiver's live read token (LOGTAP_LIVE_TOKEN in its pod). */
  token: string;
  terminal: TerminalOptions;
  version: string;
  /** Header texts: where pods push, and where the capture goes. */
  listen: string;
  captureDir: string;
  /** The link as the logs rule names it. */
  label: string;
  maxDiskBytes: number;
  /** Ends the view as q does (a signal, --ttl). */
  signal: AbortSignal;
  /** q / Ctrl+C in the view: start the end of the run (stop, copy back, clean up). */
  onQuit: () => void;
  /** Poll interval (default 500 ms). */
  intervalMs?: number;
}

/** Shows the live view until the user quits or `signal` aborts; polling stops with it. */
export async function watchInCluster(o: WatchInClusterOptions): Promise<void> {
  const source = new RemoteLiveSource({
    url: o.url,
    token: o.token,
    maxDiskBytes: o.maxDiskBytes,
    label: o.label,
    ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }),
    // The view closes at once: stopping the pod and copying the capture back print their progress on the
    // normal screen.
    onQuit: async () => o.onQuit(),
  });
  source.start();
  try {
    await runLiveView(source, {
      terminal: o.terminal,
      header: { version: o.version, listen: o.listen, captureDir: o.captureDir },
      writeCapture,
      signal: o.signal,
    });
  } finally {
    source.stop();
  }
}
