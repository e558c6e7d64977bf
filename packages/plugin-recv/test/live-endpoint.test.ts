// `recv --live-token`: the read-only live endpoint a remote live view polls, end to end on the CLI.
import { afterEach, describe, expect, test } from '@jest/globals';
import { encodePushProtobuf } from '@logtap/protocol';
import { liveDocSchema } from '../src/live-wire.js';
import { type RunningRecv, removeDir, startRecv, tempDir } from './helpers.js';

const TOKEN = 'a-read-token-for-the-test';
const running: RunningRecv[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const d of dirs.splice(0)) removeDir(d);
});

async function live(url: string, query: string, token = TOKEN) {
  return fetch(`${url}/logtap/v1/live${query}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('recv --live-token', () => {
  test('serves counters, services and the newest lines with their cursor, to the read token only', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const r = await startRecv(dir, ['--headless', '--live-token', TOKEN, '--auth-token', 'push-token-123']);
    running.push(r);
    expect(r.stderr()).toContain(' live=/logtap/v1/live');
    const body = encodePushProtobuf([
      {
        labels: { app: 'api', namespace: 'load' },
        entries: Array.from({ length: 300 }, (_, i) => ({
          ts: 1_767_225_600_000_000_000n + BigInt(i),
          line: `line ${i}`,
        })),
      },
    ]);
    const pushed = await fetch(`${r.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer push-token-123' },
      body,
    });
    expect(pushed.status).toBe(204);

    const doc = liveDocSchema.parse(await (await live(r.url, '?after=0&max=1000')).json());
    expect(doc.stats.linesReceived).toBe(300);
    const feed = doc.feed!;
    expect(feed.services).toEqual([['api', 300]]);
    // The newest 256 lines of the batch were sampled, numbered from 1.
    expect(feed.lines).toHaveLength(256);
    expect(feed.lines[0]).toEqual([1, '1767225600000000044', 0, 'line 44']);
    expect(feed.lines.at(-1)![3]).toBe('line 299');
    expect(feed.sets).toEqual([{ app: 'api', namespace: 'load' }]);
    expect(feed.seq).toBe(256);
    const next = liveDocSchema.parse(await (await live(r.url, `?after=${feed.seq}`)).json());
    expect(next.feed!.lines).toEqual([]);

    expect((await live(r.url, '', 'push-token-123')).status).toBe(401);
  });

  test('a short token is refused with exit 2; without the flag the route is 404', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await expect(startRecv(dir, ['--headless', '--live-token', 'short'], 10_000)).rejects.toThrow(
      /--live-token: a token of 5 characters\. Expected/,
    );
    const r = await startRecv(dir, ['--headless']);
    running.push(r);
    expect((await live(r.url, '')).status).toBe(404);
  });
});
