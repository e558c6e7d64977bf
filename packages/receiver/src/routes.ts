import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIVE_PATH } from './live.js';
import { API_VERSION } from './options.js';
import type { PushRoute } from './push.js';
import { reply, replyJson } from './reply.js';

/** Routes that accept pushes, and which decoder handles them. */
const PUSH_ROUTES: ReadonlyMap<string, PushRoute> = new Map([
  ['/loki/api/v1/push', 'protocol'],
  ['/api/prom/push', 'protocol'],
  ['/otlp/v1/logs', 'protocol'],
  ['/logtap/raw', 'raw'],
]);

const ROUTES_GET = new Set(['/healthz', '/ready', '/readyz', '/metrics', '/api/version', LIVE_PATH]);

/** What the routes answer with. */
export interface RouteHandlers {
  /** Handles a POST to a push route (answers it itself; never rejects). */
  push(req: IncomingMessage, res: ServerResponse, path: string, route: PushRoute): Promise<void>;
  /** Why /ready answers 503, or undefined when ready. */
  notReadyReason(): string | undefined;
  /** The Prometheus exposition for /metrics. */
  metrics(): string;
  /** Answers GET /logtap/v1/live (`search`: the query string); absent: the route answers 404. */
  live?: ((req: IncomingMessage, res: ServerResponse, search: string) => void) | undefined;
  /** Reported by /api/version. */
  version: string;
  /** Seconds in the Retry-After header of a not-ready answer. */
  retryAfterSeconds: number;
}

/** Dispatches one request: pushes (POST), health, readiness, metrics, version and live (GET/HEAD). */
export function routeRequest(req: IncomingMessage, res: ServerResponse, handlers: RouteHandlers): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const route = PUSH_ROUTES.get(path);
  if (route !== undefined) {
    if (req.method !== 'POST') {
      reply(res, 405, `${path} accepts POST only`, { Allow: 'POST' });
      req.resume();
      return;
    }
    void handlers.push(req, res, path, route);
    return;
  }
  const method = req.method ?? 'GET';
  req.resume();
  if (method !== 'GET' && method !== 'HEAD') {
    if (ROUTES_GET.has(path)) reply(res, 405, `${path} accepts GET only`, { Allow: 'GET, HEAD' });
    else reply(res, 404, `no route ${path}`);
    return;
  }
  switch (path) {
    case '/healthz':
      replyJson(res, 200, { status: 'ok' });
      return;
    case '/ready':
    case '/readyz': {
      const reason = handlers.notReadyReason();
      if (reason === undefined) reply(res, 200, 'ready');
      else reply(res, 503, `not ready: ${reason}`, { 'Retry-After': String(handlers.retryAfterSeconds) });
      return;
    }
    case '/metrics':
      reply(
        res,
        200,
        handlers.metrics(),
        { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
        false,
      );
      return;
    case '/api/version':
      replyJson(res, 200, { version: handlers.version, api: API_VERSION });
      return;
    case LIVE_PATH:
      if (handlers.live !== undefined) handlers.live(req, res, q === -1 ? '' : url.slice(q + 1));
      else
        reply(res, 404, `no route ${path}: this receiver runs without a live endpoint (recv --live-token)`);
      return;
    default:
      reply(res, 404, `no route ${path}`);
  }
}
