import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { KubeTestServer } from '@logtap/kube-testserver';

/**
 * The container runtime's side of the receiver pod for the in-cluster tests: it runs the exec calls the
 * CLI makes — SIGTERM to the receiver (`stop`, then the container exits 0; `stop` returning undefined
 * means the receiver ignores it) and `tar` of /data/capture (the real tar, on `podDir/capture`) — and
 * starts both containers.
 */
export function runReceiverPod(
  server: KubeTestServer,
  ns: string,
  pod: string,
  podDir: string,
  stop: () => Promise<unknown> | undefined,
): void {
  server.streams.onExec(ns, pod, async ({ container, command, stdout, stderr }) => {
    if (container === 'receiver' && command[0] === 'node' && command[2] === "process.kill(1, 'SIGTERM')") {
      void stop()?.then(() => server.logs.terminateContainer(ns, pod, 'receiver', 0));
      return 0;
    }
    if (container === 'capture' && command[0] === 'tar') {
      const args = command.slice(1).map((a) => (a === '/data/capture' ? join(podDir, 'capture') : a));
      const tar = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      tar.stderr.pipe(stderr, { end: false });
      await pipeline(tar.stdout, stdout, { end: false });
      return new Promise<number>((r) => tar.on('close', (code) => r(code ?? 1)));
    }
    return 127;
  });
  server.logs.startContainer(ns, pod, 'receiver');
  server.logs.startContainer(ns, pod, 'capture');
}
