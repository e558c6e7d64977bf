import { describe, expect, it } from '@jest/globals';
import { type Capture, type IndexEntry, InvalidFilterError, InvalidTimeError } from '@logtap/capture';
import { buildFilter, compileToolFilter } from './filter.js';

const S = 1_000_000_000n;
/** A capture started 2024-01-15T10:00:00Z and stopped an hour later (only what buildFilter reads). */
const START = 1_705_312_800n * S;
const cap = {
  dir: '/c',
  index: [],
  files: [],
  missing: [],
  live: false,
  indexedLines: 0,
  indexedBytes: 0,
  diskBytes: 0,
  warnings: [],
  from: START,
  to: START + 3600n * S,
  metadata: {
    version: 1,
    format: 'jsonl',
    state: 'stopped',
    started: START,
    stopped: START + 3600n * S,
    totalLines: 0,
    totalBytes: 0,
    labelsSeen: [],
    evictions: { files: 0, lines: 0, bytes: 0 },
    dropped: { lines: 0, bytes: 0 },
    recoveries: 0,
    counters: {},
    limits: {},
    raw: {},
  },
} satisfies Capture;

describe('buildFilter', () => {
  it('reads HH:MM on the capture date, -DUR before its end, both bounds inclusive', () => {
    const f = buildFilter(cap, { from: '10:15', to: '-30m' });
    expect(f.from).toBe(START + 900n * S);
    expect(f.to).toBe(START + 1800n * S);
    expect(f.matchTime(START + 900n * S)).toBe(true);
    expect(f.matchTime(START + 1800n * S)).toBe(true);
    expect(f.matchTime(START + 1800n * S + 1n)).toBe(false);
    expect(f.matchTime(START + 900n * S - 1n)).toBe(false);
  });

  it('reads RFC 3339 with any offset', () => {
    const f = buildFilter(cap, { from: '2024-01-15T18:30:00+08:00' });
    expect(f.from).toBe(START + 1800n * S);
  });

  it('ANDs label matchers and applies them to one line at a time; a missing label is ""', () => {
    const f = buildFilter(cap, { labels: ['app=~"web|api"', 'env!=prod'] });
    expect(f.matchLabels({ app: 'web' })).toBe(true);
    expect(f.matchLabels({ app: 'api', env: 'dev' })).toBe(true);
    expect(f.matchLabels({ app: 'api', env: 'prod' })).toBe(false);
    expect(f.matchLabels({ app: 'webapp' })).toBe(false);
    expect(buildFilter(cap, { labels: ['app!~"web"'] }).matchLabels({})).toBe(true);
    expect(buildFilter(cap, { labels: ['app=""'] }).matchLabels({ pod: 'x' })).toBe(true);
  });

  it('reports bad input with the capture package typed errors', () => {
    expect(() => buildFilter(cap, { from: 'yesterday' })).toThrow(InvalidTimeError);
    expect(() => buildFilter(cap, { from: '10:30', to: '10:00' })).toThrow(InvalidTimeError);
    expect(() => buildFilter(cap, { labels: ['app'] })).toThrow(InvalidFilterError);
  });

  it('describes itself for --json outputs and provenance', () => {
    expect(
      buildFilter(cap, { from: '10:15', labels: ['app=web'], grep: 'x', ignoreCase: true }).describe(),
    ).toEqual({
      from: '2024-01-15T10:15:00.000000000Z',
      to: null,
      labels: ['app="web"'],
      grep: 'x',
      ignore_case: true,
    });
  });
});

describe('mayMatchFile', () => {
  const ix: IndexEntry = {
    file: 'f',
    from: START,
    to: START + 60n * S,
    lines: 10,
    bytes: 100,
    labels: { app: { web: 6, api: 3 } },
  };

  it('prunes by time range and by the index label counts', () => {
    expect(compileToolFilter({ from: START + 61n * S }).mayMatchFile(ix)).toBe(false);
    expect(compileToolFilter({ to: START + 60n * S }).mayMatchFile(ix)).toBe(true);
    const f = (value: string, op: '=' | '!=' | '=~' = '=') =>
      compileToolFilter({ labels: [{ name: 'app', op, value }] });
    expect(f('web').mayMatchFile(ix)).toBe(true);
    expect(f('db').mayMatchFile(ix)).toBe(false);
    // One line has no app label: it compares as "".
    expect(f('').mayMatchFile(ix)).toBe(true);
    expect(f('d.*', '=~').mayMatchFile(ix)).toBe(false);
    expect(f('db').mayMatchFile({ ...ix, labelsOverflow: ['app'] })).toBe(true);
    expect(f('db').mayMatchFile({ ...ix, labels: undefined as never })).toBe(true);
  });
});
