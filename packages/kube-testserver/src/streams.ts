import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/** What an exec into a pod runs: the test decides what the "container" does with the command. */
export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  /** Present when the client sends stdin. */
  stdin: Readable | undefined;
  stdout: Writable;
  stderr: Writable;
}

/** Runs an exec; resolves the exit code. */
export type ExecHandler = (req: ExecRequest) => Promise<number> | number;

/** Where a pod's port is served in a test: a TCP address on this machine. */
export interface PortTarget {
  host: string;
  port: number;
}

/**
 * The channel protocol of the streaming subresources over WebSocket (`v4.channel.k8s.io`, and
 * `v5.channel.k8s.io` with its close-stream frames), as the API server speaks it to client-node's Exec and
 * PortForward: every binary message starts with a channel byte; exec uses 0 stdin, 1 stdout, 2 stderr,
 * 3 status (a JSON `Status`); port-forward uses a data and an error channel per port, each opened by the
 * server with the port number (uint16, little endian).
 */
export class PodStreams {
  /** Exec handlers keyed `namespace/pod` (any container) or `namespace/pod/container`. */
  readonly execHandlers = new Map<string, ExecHandler>();
  /** Port-forward targets keyed `namespace/pod:port`. */
  readonly portTargets = new Map<string, PortTarget>();
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => {
      for (const p of ['v5.channel.k8s.io', 'v4.channel.k8s.io']) if (protocols.has(p)) return p;
      return false;
    },
  });

  /** Tests: make `exec` into a pod (or one container) run `handler`. */
  onExec(namespace: string, pod: string, handler: ExecHandler, container?: string): void {
    this.execHandlers.set(container ? `${namespace}/${pod}/${container}` : `${namespace}/${pod}`, handler);
  }

  /** Tests: make port-forwards to `pod:port` reach `target` (e.g. a receiver started by the test). */
  forwardPort(namespace: string, pod: string, port: number, target: PortTarget): void {
    this.portTargets.set(`${namespace}/${pod}:${port}`, target);
  }

  /** Takes over an upgraded request of `pods/exec` or `pods/portforward` (already authorized). */
  accept(
    kind: 'exec' | 'portforward',
    namespace: string,
    pod: string,
    query: URLSearchParams,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (kind === 'exec') void this.#exec(ws, namespace, pod, query);
      else this.#portForward(ws, namespace, pod, query);
    });
  }

  close(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }

  async #exec(ws: WebSocket, namespace: string, pod: string, query: URLSearchParams): Promise<void> {
    const container = query.get('container') ?? '';
    const command = query.getAll('command');
    const handler =
      this.execHandlers.get(`${namespace}/${pod}/${container}`) ??
      this.execHandlers.get(`${namespace}/${pod}`);
    // Only the channels the client asked for are sent (client-node throws on an unexpected one).
    const wants = (name: string) => query.get(name) === 'true' || query.get(name) === '1';
    const out = channelWriter(ws, 1, wants('stdout'));
    const err = channelWriter(ws, 2, wants('stderr'));
    const stdin = query.get('stdin') === 'true' || query.get('stdin') === '1' ? new PassThrough() : undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data.toString(), 'utf8');
      if (buf.length === 0) return;
      if (buf[0] === 0) stdin?.write(buf.subarray(1));
      else if (buf[0] === 255 && buf[1] === 0) stdin?.end(); // v5: the client closed stdin
    });
    ws.on('close', () => stdin?.end());
    let code: number;
    let failure: string | undefined;
    if (!handler) {
      code = 126;
      failure = `exec: "${command[0] ?? ''}": no exec handler registered for ${namespace}/${pod} in the test server`;
    } else {
      try {
        code = await handler({ namespace, pod, container, command, stdin, stdout: out, stderr: err });
      } catch (e) {
        code = 1;
        failure = (e as Error).message;
      }
    }
    await Promise.all([endWriter(out), endWriter(err)]);
    const status =
      code === 0 && failure === undefined
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: failure ?? `command terminated with non-zero exit code: exit status ${code}`,
            reason: failure ? 'InternalError' : 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
          };
    if (ws.readyState === ws.OPEN) {
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
      ws.close(1000);
    }
  }

  #portForward(ws: WebSocket, namespace: string, pod: string, query: URLSearchParams): void {
    const port = Number(query.get('ports') ?? '');
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(Number.isInteger(port) ? port : 0);
    ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
    ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
    const target = this.portTargets.get(`${namespace}/${pod}:${port}`);
    const fail = (message: string) => {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(message)]));
      ws.close(1000);
    };
    if (!target) {
      fail(`error forwarding port ${port} to pod ${pod}: connection refused (no target in the test server)`);
      return;
    }
    const tcp: Socket = connect(target.port, target.host);
    const pending: Buffer[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const b of pending.splice(0)) tcp.write(b);
    });
    tcp.on('data', (d: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([0]), d]));
    });
    tcp.on('end', () => ws.close(1000));
    tcp.on('error', (e) => {
      if (ws.readyState === ws.OPEN) fail(`error forwarding port ${port} to pod ${pod}: ${e.message}`);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data.toString(), 'utf8');
      if (buf.length < 1) return;
      if (buf[0] === 0) {
        const payload = buf.subarray(1);
        if (connected) tcp.write(payload);
        else pending.push(Buffer.from(payload));
      } else if (buf[0] === 255 && buf[1] === 0) tcp.end();
    });
    ws.on('close', () => tcp.end());
  }
}

/** A writable whose chunks go out as binary messages on one channel (or nowhere when not requested). */
function channelWriter(ws: WebSocket, channel: number, send: boolean): PassThrough {
  const w = new PassThrough();
  w.on('data', (chunk: Buffer) => {
    if (send && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), chunk]));
  });
  return w;
}

/** Ends a channel writer; resolves once everything written to it has been sent. */
function endWriter(w: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    if (w.readableEnded) {
      resolve();
      return;
    }
    w.once('end', () => resolve());
    w.end();
  });
}
