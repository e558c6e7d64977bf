import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAuth } from './auth.js';
import { API_VERSION } from './options.js';
import type { ReceiverStats } from './receiver-stats.js';
import { reply } from './reply.js';

/** The read-only route a remote live view polls (see {@link LiveEndpointOptions}). */
export const LIVE_PATH = '/logtap/v1/live';
/** Most lines one answer may ask for (`max`); larger values are clamped. */
export const LIVE_MAX_LINES = 1000;
/** `max` when the client does not say. */
export const LIVE_DEFAULT_LINES = 200;

/** What a client asks: lines after its cursor `after` (0: from the oldest kept), at most `max` of them. */
export interface LiveQuery {
  after: number;
  max: number;
}

/**
 * `ReceiverOptions.live`: GET /logtap/v1/live answers `{ api, at, stats, feed }` (`stats` the receiver's
 * {@link ReceiverStats}, `feed` whatever `feed(query)` returns, e.g. per-service counts and the newest
 * sampled lines) to clients sending `Authorization: Bearer <token>`. A read token, separate from the push
 * token: whoever may push is not thereby allowed to read what others pushed.
 */
export interface LiveEndpointOptions {
  token: string;
  /** Must return a JSON-serialisable value of bounded size (it is answered as is). */
  feed?: ((query: LiveQuery) => unknown) | undefined;
}

/** Parses `after` and `max` of the query string; a message when a value is not a whole number. */
export function parseLiveQuery(search: string): LiveQuery | string {
  const params = new URLSearchParams(search);
  const after = wholeNumber(params.get('after'), 0);
  const max = wholeNumber(params.get('max'), LIVE_DEFAULT_LINES);
  if (after === undefined) return `after=${params.get('after')} is not a whole number (a sequence number)`;
  if (max === undefined) return `max=${params.get('max')} is not a whole number (lines)`;
  return { after, max: Math.min(LIVE_MAX_LINES, max) };
}

/** Answers GET /logtap/v1/live: 401 without the read token, 400 for a bad query, else the JSON document. */
export function answerLive(
  req: IncomingMessage,
  res: ServerResponse,
  search: string,
  o: { digest: Buffer; feed: LiveEndpointOptions['feed']; stats: () => ReceiverStats; now: () => number },
): void {
  if (!checkAuth(req.headers.authorization, o.digest)) {
    reply(res, 401, `missing or wrong token: send "Authorization: Bearer <live token>"`, {
      'WWW-Authenticate': 'Bearer realm="logtap-live"',
    });
    return;
  }
  const query = parseLiveQuery(search);
  if (typeof query === 'string') {
    reply(res, 400, query);
    return;
  }
  const doc = { api: API_VERSION, at: o.now(), stats: o.stats(), feed: o.feed?.(query) ?? null };
  const body = `${JSON.stringify(doc)}\n`;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function wholeNumber(text: string | null, fallback: number): number | undefined {
  if (text === null || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
