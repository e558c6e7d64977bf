/**
 * `logtap export`: the filtered lines of a capture as Parquet, CSV, JSONL or an Arrow IPC stream, written
 * to a byte sink in batches, so memory stays bounded whatever the capture's size. Formats and their
 * schemas are documented in docs/capture-tools.md.
 */

import {
  type Capture,
  type CaptureEntry,
  EntryEncoder,
  type ReadWarning,
  TimestampFormatter,
} from '@logtap/capture';
import { type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { EXPORT_SCHEMA, entriesToRecordBatch } from './arrow.js';
import type { ToolFilter } from './filter.js';
import { inlineParquetEncoder, type ParquetSettings, workerParquetEncoder } from './parquet-writer.js';
import { scanBatches, scanEntries, scanRaw } from './scan.js';

const EXPORT_FORMATS = ['parquet', 'csv', 'jsonl', 'arrow'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Where exported bytes go; `write` may return a promise to apply backpressure. */
export interface ByteSink {
  write(chunk: Uint8Array): void | Promise<void>;
}

export interface ExportOptions {
  format: ExportFormat;
  sink: ByteSink;
  signal?: AbortSignal | undefined;
  onWarning?: ((w: ReadWarning) => void) | undefined;
  /** Uncompressed capture bytes scanned so far, and lines exported so far. */
  onProgress?: ((scannedBytes: number, lines: number) => void) | undefined;
  /** Rows per Parquet row group. Default 131072 (128 Ki: DuckDB and Spark parallelise per row group). */
  rowGroupRows?: number | undefined;
  /** Rows per Arrow record batch (and per Parquet write). Default 65536. */
  batchRows?: number | undefined;
  /** Encode Parquet in a worker thread, overlapping the scan (default true). */
  parquetWorker?: boolean | undefined;
  /** Extra key/value metadata stored in the Parquet footer / Arrow schema. */
  metadata?: Record<string, string> | undefined;
}

export interface ExportResult {
  format: ExportFormat;
  lines: number;
  /** Bytes written to the sink. */
  bytes: number;
}

const DEFAULT_ROW_GROUP = 131_072;
const DEFAULT_BATCH = 65_536;

/** Exports the lines of `cap` that pass `filter`. */
export async function exportCapture(
  cap: Capture,
  filter: ToolFilter,
  opts: ExportOptions,
): Promise<ExportResult> {
  let bytes = 0;
  const sink: ByteSink = {
    write(chunk) {
      bytes += chunk.byteLength;
      return opts.sink.write(chunk);
    },
  };
  let lines = 0;
  let scanned = 0;
  const scanOpts = {
    signal: opts.signal,
    onWarning: opts.onWarning,
    onProgress: (b: number) => {
      scanned = b;
    },
  };
  const progress = (n: number): void => {
    lines += n;
    opts.onProgress?.(scanned, lines);
  };
  switch (opts.format) {
    case 'jsonl':
      for await (const b of scanRaw(cap, filter, scanOpts)) {
        await sink.write(b.data);
        progress(b.lines);
      }
      break;
    case 'csv':
      await sink.write(Buffer.from(CSV_HEADER));
      for await (const b of scanEntries(cap, filter, scanOpts)) {
        await sink.write(Buffer.from(csvRows(b.entries), 'utf8'));
        progress(b.entries.length);
      }
      break;
    case 'arrow':
    case 'parquet': {
      const batches = counted(scanBatches(cap, filter, opts.batchRows ?? DEFAULT_BATCH, scanOpts), progress);
      if (opts.format === 'arrow') await writeArrowStream(batches, sink, opts.metadata);
      else {
        const settings = { rowGroupRows: opts.rowGroupRows ?? DEFAULT_ROW_GROUP, metadata: opts.metadata };
        await writeParquet(batches, sink, settings, opts.parquetWorker !== false);
      }
      break;
    }
  }
  return { format: opts.format, lines, bytes };
}

/** Passes batches through, reporting their rows as progress. */
async function* counted(
  src: AsyncIterable<RecordBatch>,
  progress: (n: number) => void,
): AsyncGenerator<RecordBatch> {
  for await (const b of src) {
    yield b;
    progress(b.numRows);
  }
}

// ------------------------------------------------------------------------------------------------- CSV

/** Header of the CSV export. */
const CSV_HEADER = 'ts,labels,msg,meta\r\n';
const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
function csvField(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const labelCsv = new WeakMap<object, string>();
const encoder = new EntryEncoder();
const tsText = new TimestampFormatter();

/** The labels column: the label set as a JSON object with sorted keys (cached per shared labels object). */
function labelsField(labels: Readonly<Record<string, string>>): string {
  let f = labelCsv.get(labels);
  if (f === undefined) {
    f = csvField(encoder.labelsJson(labels));
    labelCsv.set(labels, f);
  }
  return f;
}

/**
 * CSV rows (RFC 4180, CRLF line ends): `ts` RFC3339 with nanoseconds in UTC, `labels` and `meta` as JSON
 * objects with sorted keys (`{}` when empty), `msg` as is.
 */
export function csvRows(entries: readonly CaptureEntry[]): string {
  let out = '';
  for (const e of entries) {
    const meta = e.meta === undefined ? '{}' : csvField(encoder.labelsJson(e.meta));
    out += `${tsText.format(e.ts)},${labelsField(e.labels)},${csvField(e.msg)},${meta}\r\n`;
  }
  return out;
}

// ----------------------------------------------------------------------------------------------- Arrow

function withMetadata(batch: RecordBatch, metadata: Record<string, string> | undefined): Table {
  const t = new Table([batch]);
  if (metadata !== undefined) for (const [k, v] of Object.entries(metadata)) t.schema.metadata.set(k, v);
  return t;
}

/** Byte length of the leading schema message of an IPC stream (continuation + length + flatbuffer). */
function schemaMessageLength(ipc: Uint8Array): number {
  const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  return 8 + view.getInt32(4, true);
}

/**
 * Writes an Arrow IPC stream: the schema once, then each batch's message, then the end-of-stream marker.
 * Each batch is serialised on its own (tableToIPC) and its schema message and EOS are cut off, so only one
 * batch is in memory at a time.
 */
async function writeArrowStream(
  batches: AsyncIterable<RecordBatch>,
  sink: ByteSink,
  metadata: Record<string, string> | undefined,
): Promise<void> {
  let first = true;
  for await (const b of batches) {
    const ipc = tableToIPC(withMetadata(b, metadata), 'stream');
    const body = ipc.subarray(0, ipc.length - 8); // drop the EOS marker
    await sink.write(first ? body : body.subarray(schemaMessageLength(ipc)));
    first = false;
  }
  if (first) {
    // No rows: a valid stream with the schema and no batch.
    const empty = new Table(EXPORT_SCHEMA);
    if (metadata !== undefined)
      for (const [k, v] of Object.entries(metadata)) empty.schema.metadata.set(k, v);
    await sink.write(tableToIPC(empty, 'stream'));
    return;
  }
  await sink.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
}

// --------------------------------------------------------------------------------------------- Parquet

/** Writes Parquet: each Arrow batch goes to the encoder (parquet-writer.ts) as an IPC stream. */
async function writeParquet(
  batches: AsyncIterable<RecordBatch>,
  sink: ByteSink,
  settings: ParquetSettings,
  inWorker: boolean,
): Promise<void> {
  const out = (chunk: Uint8Array) => sink.write(chunk);
  const encoder = inWorker
    ? await workerParquetEncoder(settings, out)
    : await inlineParquetEncoder(settings, out);
  try {
    let sent = false;
    for await (const b of batches) {
      await encoder.push(tableToIPC(new Table([b]), 'stream'));
      sent = true;
    }
    // The writer learns the schema from a batch: send an empty one when nothing matched.
    if (!sent) await encoder.push(tableToIPC(new Table([entriesToRecordBatch([])]), 'stream'));
    await encoder.finish();
  } catch (err) {
    await encoder.destroy();
    throw err;
  }
}
