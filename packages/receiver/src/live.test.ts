import { afterEach, describe, expect, test } from '@jest/globals';
import { ReceiverOptionsError } from './errors.js';
import {
  LIVE_DEFAULT_LINES,
  LIVE_MAX_LINES,
  type LiveEndpointOptions,
  type LiveQuery,
  parseLiveQuery,
} from './live.js';
import { Receiver } from './server.js';
import { decodeLokiJson } from './test-helpers/decode-json.js';
import { http, lokiJson } from './test-helpers/http.js';
import { MemorySink } from './test-helpers/memory-sink.js';

const running: Receiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close({ timeoutMs: 1000 })));
});

async function start(live?: LiveEndpointOptions, authToken?: string) {
  const sink = new MemorySink(1 << 20);
  const receiver = await Receiver.start({
    sink,
    decode: decodeLokiJson,
    queueBytes: sink.capacity,
    port: 0,
    now: () => 1_700_000_000_000,
    ...(live === undefined ? {} : { live }),
    ...(authToken === undefined ? {} : { authToken }),
  });
  running.push(receiver);
  return receiver;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('GET /logtap/v1/live', () => {
  test('answers the stats and the feed for the query, to the read token only', async () => {
    const queries: LiveQuery[] = [];
    const rx = await start(
      {
        token: 'read-token',
        feed: (q: LiveQuery) => {
          queries.push(q);
          return { seq: 7, lines: [{ seq: 7, msg: 'x' }] };
        },
      },
      'push-token',
    );
    const body = lokiJson([[{ app: 'a' }, [['1700000000000000001', 'hello']]]]);
    const pushed = await http(`${rx.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...bearer('push-token') },
      body,
    });
    expect(pushed.status).toBe(204);

    const res = await http(`${rx.url}/logtap/v1/live?after=5&max=50`, { headers: bearer('read-token') });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    const doc = JSON.parse(res.body) as Record<string, unknown>;
    expect(doc).toMatchObject({
      api: 1,
      at: 1_700_000_000_000,
      stats: { state: 'running', linesReceived: 1, pushesByStatus: { '204': 1 } },
      feed: { seq: 7, lines: [{ seq: 7, msg: 'x' }] },
    });
    expect(queries).toEqual([{ after: 5, max: 50 }]);

    // The push token does not read; neither does no token.
    for (const headers of [bearer('push-token'), {}]) {
      const denied = await http(`${rx.url}/logtap/v1/live`, { headers });
      expect(denied.status).toBe(401);
      expect(denied.headers['www-authenticate']).toContain('Bearer');
    }
    expect(queries).toHaveLength(1);
  });

  test('defaults and clamps the query; rejects a bad one with 400; POST is 405', async () => {
    const queries: LiveQuery[] = [];
    const rx = await start({ token: 't', feed: (q: LiveQuery) => queries.push(q) });
    expect((await http(`${rx.url}/logtap/v1/live`, { headers: bearer('t') })).status).toBe(200);
    expect((await http(`${rx.url}/logtap/v1/live?max=999999`, { headers: bearer('t') })).status).toBe(200);
    expect(queries).toEqual([
      { after: 0, max: LIVE_DEFAULT_LINES },
      { after: 0, max: LIVE_MAX_LINES },
    ]);
    const bad = await http(`${rx.url}/logtap/v1/live?after=-1`, { headers: bearer('t') });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('after=-1 is not a whole number');
    const post = await http(`${rx.url}/logtap/v1/live`, { method: 'POST', headers: bearer('t') });
    expect(post.status).toBe(405);
  });

  test('without a feed the answer carries the stats alone; without the option the route is 404', async () => {
    const withStats = await start({ token: 't' });
    const doc = JSON.parse((await http(`${withStats.url}/logtap/v1/live`, { headers: bearer('t') })).body);
    expect(doc.feed).toBeNull();
    expect(doc.stats.linesReceived).toBe(0);
    const none = await start();
    const res = await http(`${none.url}/logtap/v1/live`, { headers: bearer('t') });
    expect(res.status).toBe(404);
    expect(res.body).toContain('without a live endpoint');
  });

  test('an empty read token is refused at start', async () => {
    await expect(start({ token: '' })).rejects.toBeInstanceOf(ReceiverOptionsError);
  });
});

describe('parseLiveQuery', () => {
  test('whole numbers only', () => {
    expect(parseLiveQuery('after=12&max=3')).toEqual({ after: 12, max: 3 });
    expect(parseLiveQuery('')).toEqual({ after: 0, max: LIVE_DEFAULT_LINES });
    expect(parseLiveQuery('after=1.5')).toMatch(/not a whole number/);
    expect(parseLiveQuery('max=abc')).toMatch(/not a whole number/);
    expect(parseLiveQuery('after=1234567890123456')).toMatch(/not a whole number/);
  });
});
