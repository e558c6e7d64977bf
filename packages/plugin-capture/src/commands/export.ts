import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_TEXT, messageFlags, rangeFlags } from '../flags.js';

// Loaded for `logtap export --help`: heavy modules (arrow, parquet-wasm) load in run().

const EXTENSIONS: Record<string, string> = {
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
};

export interface ExportSummary {
  source: string;
  format: string;
  output: string;
  lines: number;
  bytes: number;
  filter: Record<string, unknown>;
  warnings: Array<{ file: string; kind: string; detail: string }>;
}

export default class Export extends Command {
  static override summary = 'Export the lines of a capture as Parquet, CSV, JSONL or an Arrow IPC stream.';

  static override description =
    `Streams the lines that pass the filters to --out in batches, so captures larger than memory export in constant memory.

Formats (the schema is the same in each; details in docs/capture-tools.md):
  parquet  ts TIMESTAMP(NANOS, UTC), labels MAP<STRING,STRING>, msg STRING, meta MAP<STRING,STRING>; zstd; row groups of --row-group-rows rows. Reads in DuckDB, pandas/pyarrow, Polars, Spark.
  arrow    the same schema as an Arrow IPC stream (pyarrow.ipc.open_stream, DuckDB's arrow extension).
  csv      RFC 4180 with a header ts,labels,msg,meta; ts is RFC 3339 with nanoseconds in UTC; labels and meta are JSON objects with sorted keys.
  jsonl    the capture's own line schema ({"ts","labels","msg","meta"?}), one object per line.
The format defaults from the --out extension (.parquet, .csv, .jsonl/.ndjson, .arrow/.arrows).

--out - writes the data to stdout and nothing else; the progress bar (only when stderr is a terminal) and warnings go to stderr. A file is written under a temporary name and renamed when complete, so an interrupted export never leaves a truncated file. --json prints a summary with the number of lines exported.

${EXIT_CODES_TEXT}`;

  static override examples = [
    {
      description: 'Everything as Parquet',
      command: '<%= config.bin %> <%= command.id %> ./capture --out logs.parquet',
    },
    {
      description: 'One app over the last 30 minutes of the capture, as CSV',
      command: '<%= config.bin %> <%= command.id %> ./capture -l app=api --from -30m --out api.csv',
    },
    {
      description: 'Errors as JSONL to stdout, into jq',
      command: `<%= config.bin %> <%= command.id %> ./capture --grep '(?i)error' --format jsonl --out - | jq -r .msg`,
    },
    {
      description: 'Query the export with DuckDB',
      command: `duckdb -c "select labels['app'] as app, count(*) from 'logs.parquet' group by 1"`,
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Capture directory.', required: true }),
  };

  static override flags = {
    out: Flags.string({
      char: 'o',
      summary: 'Output file, or - for stdout.',
      required: true,
      helpValue: 'FILE|-',
    }),
    format: Flags.string({
      char: 'f',
      summary: 'Output format (default: from the --out extension).',
      options: ['parquet', 'csv', 'jsonl', 'arrow'],
    }),
    force: Flags.boolean({ summary: 'Replace --out if it exists.', default: false }),
    'row-group-rows': Flags.integer({
      summary: 'Rows per Parquet row group.',
      default: 131_072,
      min: 1024,
      max: 16_777_216,
    }),
    progress: Flags.boolean({
      summary: 'Show a progress bar on stderr (default: when stderr is a terminal).',
      allowNo: true,
    }),
    ...rangeFlags,
    ...messageFlags,
  };

  /** The summary (printed by --json); undefined when stdout was closed by its reader mid-way. */
  async run(): Promise<ExportSummary | undefined> {
    const { args, flags } = await this.parse(Export);
    const toStdout = flags.out === '-';
    if (toStdout && this.jsonEnabled()) {
      this.error('--json and --out - would both write to stdout', {
        exit: 2,
        suggestions: [
          'write the data to a file with --out FILE',
          'or drop --json (the summary is not needed with --out -)',
        ],
      });
    }
    let format = flags.format;
    if (format === undefined) {
      const ext = /\.[^./]+$/.exec(flags.out)?.[0]?.toLowerCase() ?? '';
      format = EXTENSIONS[ext];
      if (format === undefined) {
        this.error(`cannot tell the format from --out ${flags.out}`, {
          exit: 2,
          suggestions: [
            'pass --format parquet|csv|jsonl|arrow',
            'or name the file .parquet, .csv, .jsonl or .arrow',
          ],
        });
      }
    }
    if (toStdout && process.stdout.isTTY === true && (format === 'parquet' || format === 'arrow')) {
      this.error(`refusing to write binary ${format} data to a terminal`, {
        exit: 2,
        suggestions: ['write it to a file with --out FILE', 'or pipe it: --out - | duckdb ...'],
      });
    }
    const [kit, { exportCapture }] = await Promise.all([import('../command-kit.js'), import('../export.js')]);
    const warnings = new kit.WarningLog((t) => this.warn(t));
    let output: (Awaited<ReturnType<typeof kit.fileOutput>> & { closed?: boolean }) | undefined;
    const { abort, dispose } = kit.interruptible(process);
    try {
      const { cap, filter } = await kit.loadSource(
        args.dir,
        kit.filterInput(flags, flags.grep, BigInt(Date.now()) * 1_000_000n),
      );
      output = toStdout
        ? kit.streamOutput(process.stdout, '-', () => abort.abort(new Error('stdout closed')))
        : await kit.fileOutput(flags.out, flags.force, process.pid);
      const showProgress = flags.progress ?? process.stderr.isTTY === true;
      const orphanBytes = cap.files.filter((f) => f.index === undefined).reduce((a, f) => a + f.size * 8, 0);
      const bar = showProgress
        ? new kit.ProgressBar(process.stderr, cap.indexedBytes + orphanBytes)
        : undefined;
      const out = output;
      const result = await exportCapture(cap, filter, {
        format: format as 'parquet' | 'csv' | 'jsonl' | 'arrow',
        sink: { write: (c) => out.write(c) },
        signal: abort.signal,
        onWarning: warnings.add,
        onProgress: bar ? (b, l) => bar.update(b, l) : undefined,
        rowGroupRows: flags['row-group-rows'],
        metadata: { 'logtap.source': cap.dir, 'logtap.filter': JSON.stringify(filter.describe()) },
      });
      bar?.done();
      await output.commit();
      const summary: ExportSummary = {
        source: cap.dir,
        format: result.format,
        output: toStdout ? '-' : flags.out,
        lines: result.lines,
        bytes: result.bytes,
        filter: { ...filter.describe() },
        warnings: warnings.toJson(),
      };
      if (!this.jsonEnabled() && !toStdout) {
        process.stderr.write(
          `exported ${result.lines.toLocaleString('en-US')} lines (${kit.formatBytes(result.bytes)}) to ${flags.out}\n`,
        );
      }
      return summary;
    } catch (err) {
      await output?.abort();
      // `logtap export … --out - | head`: the reader went away; not an error.
      if (output?.closed === true) return undefined;
      const known = kit.translateError(err);
      if (known) this.error(known.message, { exit: known.exit, suggestions: known.suggestions });
      if (abort.signal.aborted)
        this.error('export interrupted; no output file was left behind', { exit: 130 });
      throw err;
    } finally {
      dispose();
    }
  }
}
