import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CaptureEntry, openCapture, readEntries } from '@logtap/capture';
import { writeOriginalCapture } from '@logtap/capture/testing';
import {
  BASE_NS,
  removeDir,
  tempDir,
  toolEntries,
  withoutMeta,
  writeCapture,
} from '../test/tools-fixtures.js';
import { escapeControls } from './escape.js';
import { buildFilter, type FilterInput } from './filter.js';
import { type GrepOptions, grepCapture, TextFormatter } from './grep.js';

let root: string;
let ours: string;
const ENTRIES = toolEntries(1400);

beforeAll(async () => {
  root = tempDir();
  ours = path.join(root, 'ours');
  await writeCapture(ours, ENTRIES);
});
afterAll(() => removeDir(root));

async function grep(dir: string, input: FilterInput, opts: Omit<GrepOptions, 'write'> = {}) {
  const cap = await openCapture(dir);
  let out = '';
  const r = await grepCapture(cap, buildFilter(cap, input), {
    ...opts,
    write: (s) => {
      out += s;
    },
  });
  return { out, r };
}

describe('grepCapture', () => {
  it('prints `time service msg` for each match, with service label precedence', async () => {
    const { out, r } = await grep(ours, { grep: 'timeout after 1[0-9]s' });
    expect(r.matches).toBe(2);
    expect(out).toMatchSnapshot();
    const f = new TextFormatter();
    const line = (labels: Record<string, string>) => f.format({ ts: BASE_NS, labels, msg: 'm' });
    expect(line({ 'app.kubernetes.io/name': 'a', app: 'b', container: 'c', pod: 'd' })).toBe(
      '2024-01-15T10:32:01.000Z a m\n',
    );
    expect(line({ app: 'b', container: 'c', pod: 'd' })).toBe('2024-01-15T10:32:01.000Z b m\n');
    expect(line({ container: 'c', pod: 'd' })).toBe('2024-01-15T10:32:01.000Z c m\n');
    expect(line({ pod: 'd', zone: 'z' })).toBe('2024-01-15T10:32:01.000Z d m\n');
    expect(line({ zone: 'z', env: 'e' })).toBe('2024-01-15T10:32:01.000Z e m\n');
    expect(line({})).toBe('2024-01-15T10:32:01.000Z - m\n');
    expect(f.format({ ts: BASE_NS, labels: {}, msg: 'crlf\r' })).toBe('2024-01-15T10:32:01.000Z - crlf\n');
  });

  it('escapes control characters in text output', async () => {
    expect(escapeControls('a\nb\r\x1b[31mred\ttab')).toBe('a\\nb\\r\\e[31mred\ttab');
    const { out } = await grep(ours, { grep: 'multi' }, { maxCount: 1 });
    expect(out).toBe('2024-01-15T10:32:01.007Z api multi\\nline 1\\r\\n\tstack at main.go:1\n');
  });

  it('colours times, services and matches with --color, escaping each piece on its own', async () => {
    const { out } = await grep(ours, { grep: 'line (1|8)\\b' }, { color: true, maxCount: 1 });
    expect(out).toBe(
      '\x1b[2m2024-01-15T10:32:01.007Z\x1b[0m \x1b[36mapi\x1b[0m multi\\n\x1b[1;31mline 1\x1b[0m\\r\\n\tstack at main.go:1\n',
    );
  });

  it('prints JSONL in the capture schema', async () => {
    const { out, r } = await grep(ours, { grep: 'declined', labels: ['pod=api-1'] }, { format: 'jsonl' });
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(r.matches);
    expect(r.matches).toBe(
      ENTRIES.filter((e) => e.msg.includes('declined') && e.labels['pod'] === 'api-1').length,
    );
    for (const l of lines) expect(Object.keys(l).slice(0, 3)).toEqual(['ts', 'labels', 'msg']);
  });

  it('shows context lines of the filtered stream, separated by --', async () => {
    const { out } = await grep(ours, { grep: 'items/(7|14|70)\\b' }, { context: 1 });
    expect(out).toMatchSnapshot();
    const { out: jsonl } = await grep(ours, { grep: 'items/70\\b' }, { context: 2, format: 'jsonl' });
    const ctx = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).context ?? 'match');
    expect(ctx).toEqual(['before', 'before', 'match', 'after', 'after']);
  });

  it('prints the same context as a plain pass over the reader (literal, regex, labels, time, across ranges)', async () => {
    const cap = await openCapture(ours);
    const all: CaptureEntry[] = [];
    for await (const e of readEntries(cap)) all.push(e);
    const inputs: FilterInput[] = [
      { grep: 'items/7' },
      { grep: 'items/\\d+7\\b' },
      { grep: 'ITEMS/1', ignoreCase: true },
      { grep: 'items/3', labels: ['app!=web'] },
      { grep: 'items/6\\d\\d\\b', from: '10:32:05', to: '10:32:09' },
    ];
    for (const input of inputs) {
      for (const context of [1, 3]) {
        const filter = buildFilter(cap, input);
        // Reference: the filtered stream, matches marked, context around them, `--` between groups.
        const stream = all.filter((e) => filter.matchTime(e.ts) && filter.matchLabels(e.labels));
        const text = new TextFormatter();
        const show = new Set<number>();
        const matched = stream.map((e) => filter.msg!.test(e.msg));
        matched.forEach((m, i) => {
          if (m)
            for (let k = Math.max(0, i - context); k <= Math.min(stream.length - 1, i + context); k++)
              show.add(k);
        });
        let want = '';
        let last = -1;
        for (const i of [...show].sort((a, b) => a - b)) {
          if (last >= 0 && i > last + 1) want += '--\n';
          want += text.format(stream[i]!, matched[i] ? ':' : '-');
          last = i;
        }
        expect([input, matched.some(Boolean), show.size < stream.length]).toEqual([input, true, true]);
        const { out, r } = await grep(ours, input, { context });
        expect([input, context, r.matches]).toEqual([input, context, matched.filter(Boolean).length]);
        expect(out).toBe(want);
      }
    }
  });

  it('cannot be hung by a pattern that backtracks exponentially', async () => {
    const dir = path.join(root, 'evil');
    const long = `${'a'.repeat(20_000)}!`;
    await writeCapture(
      dir,
      Array.from({ length: 100 }, (_, i) => ({ ts: BASE_NS + BigInt(i), labels: { app: 'x' }, msg: long })),
    );
    const t = performance.now();
    for (const pattern of ['(a+)+$', '(a|aa)+$', '^(\\w+\\s?)+$']) {
      const cap = await openCapture(dir);
      expect(buildFilter(cap, { grep: pattern }).msg!.engine).toBe('v8');
      const { r } = await grep(dir, { grep: pattern }, { count: true });
      expect(r.matches).toBe(0);
    }
    // 3 x 100 lines of 20 KB: exponential backtracking would not finish; the linear fallback takes ms a line.
    expect(performance.now() - t).toBeLessThan(20_000);
  });

  it('counts matches per file', async () => {
    const { out, r } = await grep(ours, { grep: 'GET' }, { count: true });
    const total = ENTRIES.filter((e) => e.msg.includes('GET')).length;
    expect(r.matches).toBe(total);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.reduce((a, [, n]) => a + Number(n), 0)).toBe(total);
    expect(rows.map(([f]) => f)).toEqual(r.files.map((f) => f.file));
  });

  it('stops after --max-count matches', async () => {
    const { out, r } = await grep(ours, { grep: 'GET' }, { maxCount: 3 });
    expect(r.matches).toBe(3);
    expect(out.trim().split('\n').length).toBe(3);
  });

  it('greps an original-format capture', async () => {
    const dir = path.join(root, 'original');
    const plain = withoutMeta(ENTRIES);
    writeOriginalCapture(dir, {
      rotated: [plain.slice(0, 700)],
      active: plain.slice(700),
      startedNs: BASE_NS,
    });
    const a = await grep(dir, { grep: '<tag> &' });
    const b = await grep(ours, { grep: '<tag> &' });
    expect(a.r.matches).toBe(ENTRIES.filter((e) => e.msg.includes('<tag> &')).length);
    expect(a.out).toBe(b.out);
  });
});
