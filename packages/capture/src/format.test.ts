import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { batchOf } from './batch.js';
import * as api from './index.js';
import { compareDataFileNames, dataFileName, fileStamp, isDataFileName, parseDataFileName } from './names.js';
import * as readApi from './read.js';
import { auditLineSchema, dataLineSchema, indexLineSchema, metadataSchema } from './schema.js';
import { dataFiles, fileText, jsonLines } from './test-helpers/inspect.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import * as testing from './testing.js';
import { resolveOptions } from './writer-config.js';
import { openWriterCore } from './writer-open.js';

// These tests pin the public surface and the on-disk format: a change here is a format or API change and
// needs a note in docs/capture-format.md (and docs/contracts.md).

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
});

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AUDIT_FILE',
      'CaptureCorruptError',
      'CaptureError',
      'CaptureIoError',
      'CaptureLockedError',
      'CaptureNotFoundError',
      'CaptureWriter',
      'EncodedBatchBuilder',
      'EntryDecoder',
      'EntryEncoder',
      'INDEX_FILE',
      'InvalidEntryError',
      'InvalidFilterError',
      'InvalidOptionError',
      'InvalidRegexError',
      'InvalidTimeError',
      'MAX_PATTERN_LENGTH',
      'METADATA_FILE',
      'NotACaptureError',
      'TimestampFormatter',
      'WriterClosedError',
      'WriterFailedError',
      'auditLineSchema',
      'captureTimeContext',
      'compareDataFileNames',
      'compileFilter',
      'compileLabelPattern',
      'dataLineSchema',
      'formatTimestamp',
      'frameWireSchema',
      'indexLineSchema',
      'metadataSchema',
      'openCapture',
      'parseDataFileName',
      'parseDuration',
      'parseLabelMatcher',
      'parseLabelSelector',
      'parseMessagePattern',
      'parseTimeBound',
      'parseTimeRange',
      'parseTimestamp',
      'readEntries',
      'readEntryBatches',
      'recycleEncodedBatch',
    ]);
  });
});

describe('@logtap/capture/read', () => {
  it('exports the main entry minus the writer and the zod schemas, the same objects', () => {
    const writeSide = [
      'CaptureWriter',
      'EncodedBatchBuilder',
      'auditLineSchema',
      'dataLineSchema',
      'frameWireSchema',
      'indexLineSchema',
      'metadataSchema',
      'recycleEncodedBatch',
    ];
    expect(Object.keys(readApi).sort()).toEqual(Object.keys(api).filter((k) => !writeSide.includes(k)));
    for (const [k, v] of Object.entries(readApi)) expect(v).toBe((api as Record<string, unknown>)[k]);
  });
});

describe('@logtap/capture/testing', () => {
  it('is an entry point of its own with exactly these names', () => {
    const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './package.json', './read', './testing']);
    expect(Object.keys(testing).sort()).toEqual([
      'goString',
      'goTime',
      'originalLine',
      'writeOriginalCapture',
    ]);
  });
});

describe('on-disk format', () => {
  it('writes exactly these files and fields', () => {
    const t0 = Date.UTC(2024, 0, 15, 10, 32, 1);
    const core = openWriterCore(
      resolveOptions(dir, {
        minFreeBytes: 0,
        redaction: { enabled: true, rules: ['email', 'jwt'], policyHash: 'p1' },
      }),
      {},
      t0,
    );
    core.append(
      1,
      batchOf([
        { ts: 1705314721123456789n, labels: { pod: 'web-1', app: 'web' }, msg: 'GET / "x"' },
        { ts: 1705314721000000000n, labels: {}, msg: 'no labels', meta: { trace_id: 't' } },
      ]),
      t0,
    );
    core.audit('push', { remote: '10.0.0.7', lines: 2 }, t0);
    core.close(t0 + 1500);

    expect(dataFiles(dir)).toEqual(['2024-01-15T103201-000.jsonl.zst']);
    const data = fileText(path.join(dir, '2024-01-15T103201-000.jsonl.zst'));
    expect(data).toBe(
      '{"ts":"2024-01-15T10:32:01.123456789Z","labels":{"app":"web","pod":"web-1"},"msg":"GET / \\"x\\""}\n' +
        '{"ts":"2024-01-15T10:32:01.000000000Z","labels":{},"msg":"no labels","meta":{"trace_id":"t"}}\n',
    );
    for (const l of jsonLines(data)) expect(dataLineSchema.safeParse(l).success).toBe(true);

    const [index] = jsonLines(readFileSync(path.join(dir, 'index.jsonl'), 'utf8'));
    expect(indexLineSchema.safeParse(index).success).toBe(true);
    expect(index).toEqual({
      file: '2024-01-15T103201-000.jsonl.zst',
      from: '2024-01-15T10:32:01.000000000Z',
      to: '2024-01-15T10:32:01.123456789Z',
      lines: 2,
      bytes: Buffer.byteLength(data),
      labels: { app: { web: 1 }, pod: { 'web-1': 1 } },
      compressed_bytes: expect.any(Number),
      frames: [
        {
          offset: 0,
          length: index!['compressed_bytes'],
          from: '2024-01-15T10:32:01.000000000Z',
          to: '2024-01-15T10:32:01.123456789Z',
          lines: 2,
          bytes: Buffer.byteLength(data),
        },
      ],
    });

    const metaText = readFileSync(path.join(dir, 'metadata.json'), 'utf8');
    expect(metaText.startsWith('{\n  "version": 1,\n  "format": "jsonl",\n')).toBe(true);
    const meta = JSON.parse(metaText) as Record<string, unknown>;
    expect(metadataSchema.safeParse(meta).success).toBe(true);
    expect(Object.keys(meta)).toEqual([
      'version',
      'format',
      'started',
      'stopped',
      'total_lines',
      'total_bytes',
      'labels_seen',
      'redaction',
      'state',
      'updated',
      'first_ts',
      'last_ts',
      'files',
      'disk_bytes',
      'evictions',
      'dropped',
      'recoveries',
      'counters',
      'limits',
    ]);
    expect(meta).toMatchObject({
      version: 1,
      format: 'jsonl',
      started: '2024-01-15T10:32:01.000000000Z',
      stopped: '2024-01-15T10:32:02.500000000Z',
      total_lines: 2,
      labels_seen: ['app', 'pod'],
      redaction: { enabled: true, patterns: ['email', 'jwt'], policy_hash: 'p1' },
      state: 'stopped',
      first_ts: '2024-01-15T10:32:01.000000000Z',
      last_ts: '2024-01-15T10:32:01.123456789Z',
      files: 1,
      evictions: { files: 0, lines: 0, bytes: 0 },
      dropped: { lines: 0, bytes: 0 },
      recoveries: 0,
      counters: { audit_dropped: 0, writer_errors: 0 },
    });

    const audit = jsonLines(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'));
    for (const a of audit) expect(auditLineSchema.safeParse(a).success).toBe(true);
    expect(audit.map((a) => a['event'])).toEqual(['capture_opened', 'push', 'rotated', 'capture_closed']);
    expect(audit[1]).toEqual({
      timestamp: '2024-01-15T10:32:01.000000000Z',
      event: 'push',
      remote: '10.0.0.7',
      lines: 2,
    });
  });
});

describe('data file names', () => {
  it('are UTC open time plus a sequence, and sort in creation order', () => {
    expect(fileStamp(Date.UTC(2024, 0, 15, 10, 32, 1, 999))).toBe('2024-01-15T103201');
    expect(dataFileName('2024-01-15T103201', 7)).toBe('2024-01-15T103201-007.jsonl.zst');
    expect(dataFileName('2024-01-15T103201', 1234)).toBe('2024-01-15T103201-1234.jsonl.zst');
    expect(parseDataFileName('2024-01-15T103201-007.jsonl')).toEqual({
      name: '2024-01-15T103201-007.jsonl',
      stamp: '2024-01-15T103201',
      seq: 7,
      compressed: false,
    });
    expect(parseDataFileName('index.jsonl')).toBeUndefined();
    const names = [
      '2024-01-15T103201-1000.jsonl.zst',
      '2024-01-15T103201-999.jsonl.zst',
      '2024-01-15T103200-001.jsonl.zst',
      '2024-01-15T103201-999.jsonl',
      'corrected-000.jsonl',
    ];
    expect([...names].sort(compareDataFileNames)).toEqual([
      '2024-01-15T103200-001.jsonl.zst',
      '2024-01-15T103201-999.jsonl',
      '2024-01-15T103201-999.jsonl.zst',
      '2024-01-15T103201-1000.jsonl.zst',
      'corrected-000.jsonl',
    ]);
    expect(
      ['index.jsonl', 'audit.jsonl', 'audit.1.jsonl', 'x.jsonl.tmp', 'corrected-000.jsonl'].map(
        isDataFileName,
      ),
    ).toEqual([false, false, false, false, true]);
  });
});
