import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openCapture, readEntries } from '@logtap/capture';
import { makeCapture, removeCapture, sampleEntries, T0 } from '../test/helpers.js';
import { prepareReplay, servicesFromIndex, writeFilteredCapture } from './replay-source.js';

let dir: string;
beforeAll(async () => {
  dir = await makeCapture(sampleEntries(300));
});
afterAll(async () => {
  await removeCapture(dir);
});

async function collect(it: AsyncIterable<{ msg: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(e.msg);
  return out;
}

describe('servicesFromIndex', () => {
  it('counts lines per service from the index label counts', async () => {
    const cap = await openCapture(dir);
    expect(servicesFromIndex(cap)?.sort((a, b) => (a.service < b.service ? -1 : 1))).toEqual([
      { service: 'api', lines: 100 },
      { service: 'db', lines: 100 },
      { service: 'worker', lines: 100 },
    ]);
  });
  it('gives up when the service label does not cover every line', async () => {
    const entries = sampleEntries(30).map((e, i) => (i % 2 ? { ...e, labels: { container: 'c' } } : e));
    const d = await makeCapture(entries);
    try {
      expect(servicesFromIndex(await openCapture(d))).toBeUndefined();
    } finally {
      await removeCapture(d);
    }
  });
});

describe('prepareReplay', () => {
  it('streams every entry with the total, span and picker when unfiltered', async () => {
    const p = await prepareReplay({ dir });
    expect(p.source.total).toBe(300);
    expect(p.source.span).toEqual({ from: T0, to: T0 + 299n * 100_000_000n });
    expect(p.header).toMatchObject({ captureDir: dir, lines: 300, from: T0 });
    expect(await p.source.services!()).toHaveLength(3);
    const msgs = await collect(p.source.entries(new AbortController().signal));
    expect(msgs.length).toBe(300);
    expect(msgs[0]).toBe('ERROR job 0 failed');
  });
  it('applies --from/--to/--label/--grep and drops the total and picker', async () => {
    const p = await prepareReplay({
      dir,
      from: '2026-03-05T14:32:06Z',
      to: '2026-03-05T14:32:10Z',
      labels: ['app=api'],
      grep: 'job 1\\d ',
    });
    expect(p.source.total).toBeUndefined();
    expect(p.source.services).toBeUndefined();
    expect(p.source.span).toEqual({ from: T0 + 1_000_000_000n, to: T0 + 5_000_000_000n });
    expect(await collect(p.source.entries(new AbortController().signal))).toEqual([
      'job 12 ok',
      'job 15 ok',
      'job 18 ok',
    ]);
  });
  it('rejects a missing directory and an invalid selector with the capture errors', async () => {
    await expect(prepareReplay({ dir: join(dir, 'nope') })).rejects.toMatchObject({
      code: expect.stringMatching(/NOT_FOUND/),
    });
    await expect(prepareReplay({ dir, labels: ['=x'] })).rejects.toMatchObject({
      name: 'InvalidFilterError',
    });
    for (const re of [{ grep: '(a)\\1' }, { labels: ['app=~"(?!db).*"'] }]) {
      await expect(prepareReplay({ dir, ...re })).rejects.toMatchObject({ code: 'CAPTURE_INVALID_REGEX' });
    }
  });
  it('runs an evil --grep and label regex on a long line in linear time (RE2)', async () => {
    const long = `${'a'.repeat(200_000)}!`;
    const d = await makeCapture([
      { ts: T0, labels: { app: long }, msg: long },
      { ts: T0 + 1n, labels: { app: 'aa' }, msg: 'aaaa' },
    ]);
    try {
      const p = await prepareReplay({ dir: d, grep: '(a+)+$', labels: ['app=~"(a|aa)+"'] });
      const t0 = performance.now();
      expect(await collect(p.source.entries(new AbortController().signal))).toEqual(['aaaa']);
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      await removeCapture(d);
    }
  });
});

describe('writeFilteredCapture', () => {
  it('writes the entries as a new capture that reads back identically, and refuses an existing directory', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'logtap-w-')), 'filtered');
    try {
      const entries = sampleEntries(2500).filter((e) => e.labels['app'] === 'db');
      expect(await writeFilteredCapture(out, entries)).toEqual({ dir: out, lines: entries.length });
      const back = [];
      for await (const e of readEntries(out)) back.push(e);
      expect(back.map((e) => [e.ts, e.msg, e.labels['app']])).toEqual(
        entries.map((e) => [e.ts, e.msg, 'db']),
      );
      await expect(writeFilteredCapture(out, entries)).rejects.toThrow(/already exists/);
    } finally {
      await rm(join(out, '..'), { recursive: true, force: true });
    }
  });
});
