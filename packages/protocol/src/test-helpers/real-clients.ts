/**
 * A capture server for real-client interop tests: a plain node:http server on 127.0.0.1:0 that records
 * every request (method, path, headers, full body, chunked or not) and answers 204 like Loki. Tests
 * point a real client library at `server.url`, make it send known lines, then feed the captured raw
 * request to decodePush. Excluded from the build; other packages' end-to-end tests may copy it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushRequestInput } from '../types.js';

export interface CapturedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, still compressed. */
  body: Buffer;
}

export interface CaptureServerOptions {
  /** Status to answer with (default 204). */
  status?: number;
}

export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    /** Base URL, e.g. `http://127.0.0.1:39211` (no trailing slash). */
    readonly url: string,
  ) {}

  static async start(options: CaptureServerOptions = {}): Promise<CaptureServer> {
    let self: CaptureServer | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        self!.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        res.writeHead(options.status ?? 204);
        res.end();
        for (const w of self!.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new CaptureServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** Resolves once `predicate(requests)` holds; rejects after `timeoutMs`. */
  async waitFor(predicate: (requests: CapturedRequest[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `capture server: condition not met after ${timeoutMs} ms (${this.requests.length} requests)`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The decodePush input for a captured request. */
export function pushInput(req: CapturedRequest): PushRequestInput {
  return {
    body: req.body,
    path: req.url,
    contentType: req.headers['content-type'],
    contentEncoding: req.headers['content-encoding'],
  };
}
