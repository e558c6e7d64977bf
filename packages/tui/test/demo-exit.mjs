// A live view that exits in the ways a real command can, for the tmux teardown tests:
//   node packages/tui/test/demo-exit.mjs [mode]
// mode (default none): how a SIGINT / SIGUSR2 ends it, besides q and Ctrl+C (keys) and SIGTERM/SIGHUP:
//   hard        SIGINT exits at once with process.exit(130) while the screen is up (the 'exit' hook restores)
//   hard-print  SIGINT calls restoreTerminals(), prints a last line, then process.exit(130), as recv does
//   throw       SIGUSR2 throws from a listener: an uncaught error
// The screen shows "demo-exit ready" once drawn.
import { restoreTerminals, runLiveView } from '../dist/index.js';

const mode = process.argv[2] ?? 'none';
if (mode === 'hard') process.on('SIGINT', () => process.exit(130));
if (mode === 'hard-print')
  process.on('SIGINT', () => {
    restoreTerminals();
    process.stderr.write('demo-exit: second signal: exiting at once\n');
    process.exit(130);
  });
if (mode === 'throw')
  process.on('SIGUSR2', () => {
    throw new Error('demo-exit: boom');
  });
const source = {
  stats: () => ({
    inFlight: 0,
    lines: 0,
    bytes: 0,
    dropped: 0,
    diskBytes: 0,
    diskCapBytes: 1 << 20,
    redaction: { enabled: false },
    services: new Map(),
  }),
  drainRecent: () => [],
  onQuit: async () => {},
};
await runLiveView(source, {
  terminal: { input: process.stdin, output: process.stdout, term: process.env.TERM },
  header: { version: '0.1.0', listen: 'demo-exit ready', captureDir: mode },
});
process.stdout.write('demo-exit: quit\n');
