import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CaptureEntry, openCapture, readEntries } from '@logtap/capture';
import { writeOriginalCapture } from '@logtap/capture/testing';
import {
  BASE_NS,
  CLOCK_MS,
  removeDir,
  tempDir,
  toolEntries,
  withoutMeta,
  writeCapture,
} from '../test/tools-fixtures.js';
import { OutputExistsError } from './errors.js';
import { buildFilter, type FilterInput } from './filter.js';
import { inspectCapture } from './inspect.js';
import { sliceCapture } from './slice.js';

let root: string;
let source: string;
const ENTRIES = toolEntries(3000);

beforeAll(async () => {
  root = tempDir();
  source = path.join(root, 'source');
  await writeCapture(source, ENTRIES, { redaction: { enabled: true, rules: ['email'] } });
});
afterAll(() => removeDir(root));

function key(e: CaptureEntry): string {
  const sorted = (m?: Readonly<Record<string, string>>) =>
    JSON.stringify(Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${e.ts}|${sorted(e.labels)}|${e.msg}|${sorted(e.meta)}`;
}

async function all(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readEntries(dir)) out.push(key(e));
  return out;
}

async function slice(src: string, name: string, input: FilterInput, opts: { maxFileBytes?: number } = {}) {
  const cap = await openCapture(src);
  const out = path.join(root, name);
  const r = await sliceCapture(cap, buildFilter(cap, input), out, { now: () => CLOCK_MS + 60_000, ...opts });
  return { out, r };
}

describe('sliceCapture', () => {
  it('writes exactly the matching lines, filtered per line, as a complete capture', async () => {
    const input = { labels: ['app=api'], from: '10:32:05', to: '10:32:12.5' };
    const { out, r } = await slice(source, 'api', input, { maxFileBytes: 16 * 1024 });
    const want = ENTRIES.filter(
      (e) =>
        e.labels['app'] === 'api' && e.ts >= BASE_NS + 4_000_000_000n && e.ts <= BASE_NS + 11_500_000_000n,
    );
    expect(r.lines).toBe(want.length);
    expect(await all(out)).toEqual(want.map(key));
    const cap = await openCapture(out);
    expect(cap.live).toBe(false);
    expect(cap.files.length).toBeGreaterThan(1);
    for (const f of cap.files) {
      // Every file indexed, with a frame table and label counts: readable by every command.
      expect(f.index?.frames?.length).toBeGreaterThan(0);
      expect(Object.keys(f.index?.labels ?? {})).toContain('app');
      expect(statSync(f.path).mode & 0o777).toBe(0o600);
    }
  });

  it('records provenance and the covered window in metadata.json', async () => {
    const { out } = await slice(source, 'window', { from: '10:32:03', to: '10:32:09', grep: 'timeout' });
    const meta = JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    expect(meta.started).toBe('2024-01-15T10:32:03.000000000Z');
    expect(meta.stopped).toBe('2024-01-15T10:32:09.000000000Z');
    expect(meta.state).toBe('stopped');
    expect(meta.redaction).toEqual({ enabled: true, patterns: ['email'] });
    expect({ ...meta.slice, source: '<source>' }).toMatchSnapshot();
    // Relative times on the slice refer to the slice's own end (that of its data, see captureTimeContext).
    const cap = await openCapture(out);
    expect(cap.to).toBeLessThanOrEqual(BASE_NS + 8_000_000_000n);
    expect(buildFilter(cap, { from: '-1s' }).from).toBe(cap.to! - 1_000_000_000n);
    const report = await inspectCapture(cap);
    expect(report.slice).toMatchObject({ lines: meta.slice.lines, source_lines: ENTRIES.length });
  });

  it('slices a slice, and an original-format capture', async () => {
    const { out } = await slice(source, 'outer', { labels: ['namespace=shop'] });
    const { out: inner, r } = await slice(out, 'inner', { grep: 'GET' });
    expect(r.lines).toBe(
      ENTRIES.filter((e) => e.labels['namespace'] === 'shop' && e.msg.includes('GET')).length,
    );
    expect((await openCapture(inner)).metadata?.raw['slice']).toMatchObject({ source: out });

    const orig = path.join(root, 'original');
    const plain = withoutMeta(ENTRIES);
    writeOriginalCapture(orig, {
      rotated: [plain.slice(0, 1000)],
      active: plain.slice(1000),
      startedNs: BASE_NS,
      redaction: ['email', 'jwt'],
    });
    const { out: fromOrig, r: r2 } = await slice(orig, 'from-original', { labels: ['app=web'] });
    const want = plain.filter((e) => e.labels['app'] === 'web');
    expect(r2.lines).toBe(want.length);
    expect(await all(fromOrig)).toEqual(want.map(key));
    expect((await openCapture(fromOrig)).metadata?.redaction).toEqual({
      enabled: true,
      patterns: ['email', 'jwt'],
    });
  });

  it('removes a partial slice when it is aborted', async () => {
    const cap = await openCapture(source);
    const out = path.join(root, 'aborted');
    const ac = new AbortController();
    const p = sliceCapture(cap, buildFilter(cap, {}), out, {
      signal: ac.signal,
      onProgress: () => ac.abort(new Error('stop')),
    });
    await expect(p).rejects.toThrow('stop');
    expect(existsSync(out)).toBe(false);
  });

  it('writes a valid empty capture when nothing matches', async () => {
    const { out, r } = await slice(source, 'empty', { grep: 'nothing like this' });
    expect(r.lines).toBe(0);
    const report = await inspectCapture(await openCapture(out));
    expect(report.lines).toBe(0);
  });

  it('refuses an existing non-empty output, and the source itself', async () => {
    const cap = await openCapture(source);
    const f = buildFilter(cap, {});
    const busy = path.join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'x'), 'x');
    await expect(sliceCapture(cap, f, busy)).rejects.toThrow(OutputExistsError);
    await expect(sliceCapture(cap, f, source, { allowExistingEmpty: true })).rejects.toThrow(
      OutputExistsError,
    );
    const empty = path.join(root, 'empty-dir');
    mkdirSync(empty);
    await expect(sliceCapture(cap, f, empty)).rejects.toThrow(OutputExistsError);
    await expect(sliceCapture(cap, f, empty, { allowExistingEmpty: true })).resolves.toMatchObject({
      lines: ENTRIES.length,
    });
  });
});
