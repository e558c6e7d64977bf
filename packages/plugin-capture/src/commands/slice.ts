import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_TEXT, messageFlags, rangeFlags } from '../flags.js';
import type { SliceProvenance } from '../slice.js';

// Loaded for `logtap slice --help`: heavy modules load in run().

export interface SliceSummary {
  source: string;
  output: string;
  lines: number;
  bytes: number;
  files: number;
  provenance: SliceProvenance;
  warnings: Array<{ file: string; kind: string; detail: string }>;
}

export default class Slice extends Command {
  static override summary = 'Cut the lines that pass the filters into a new, complete capture directory.';

  static override description =
    `Writes the lines of <dir> that pass --from/--to/--label/--grep (tested on every line) to --out as a capture of its own: zstd data files with frame tables, an index with per-file label counts, and metadata. Every logtap command reads a slice like any capture.

The slice's metadata records where it came from under "slice": the source directory, its session and line count, the evictions and drops of the source (so a slice of a lossy capture says so), the filter and the time of slicing. Its "started"/"stopped" are the window the filter selected, so --from 14:30 or -5m mean the same on a slice as on its source. Redaction status is carried over.

--out must not exist (or be an empty directory). If the disk fills up, slice fails with exit code 3 rather than leave a slice that silently misses lines; an interrupted slice (Ctrl-C) removes its partial output and exits 130.

${EXIT_CODES_TEXT}`;

  static override examples = [
    {
      description: 'The ten minutes around an incident',
      command: '<%= config.bin %> <%= command.id %> ./capture --from 14:25 --to 14:35 --out ./incident',
    },
    {
      description: 'One app over the last 30 minutes of the capture',
      command:
        '<%= config.bin %> <%= command.id %> ./capture -l app=checkout --from -30m --out ./checkout-tail',
    },
    {
      description: 'Only errors of the API pods',
      command: `<%= config.bin %> <%= command.id %> ./capture -l 'pod=~"api-.*"' --grep '(?i)error|panic' --out ./api-errors`,
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Source capture directory.', required: true }),
  };

  static override flags = {
    out: Flags.string({
      char: 'o',
      summary: 'Directory of the new capture (must not exist, or be empty).',
      required: true,
      helpValue: 'DIR',
    }),
    progress: Flags.boolean({
      summary: 'Show a progress bar on stderr (default: when stderr is a terminal).',
      allowNo: true,
    }),
    ...rangeFlags,
    ...messageFlags,
  };

  async run(): Promise<SliceSummary> {
    const { args, flags } = await this.parse(Slice);
    const [kit, { sliceCapture }] = await Promise.all([import('../command-kit.js'), import('../slice.js')]);
    const warnings = new kit.WarningLog((t) => this.warn(t));
    const { abort, dispose } = kit.interruptible(process);
    try {
      const { cap, filter } = await kit.loadSource(
        args.dir,
        kit.filterInput(flags, flags.grep, BigInt(Date.now()) * 1_000_000n),
      );
      const showProgress = flags.progress ?? process.stderr.isTTY === true;
      const bar = showProgress ? new kit.ProgressBar(process.stderr, cap.indexedBytes) : undefined;
      const r = await sliceCapture(cap, filter, flags.out, {
        allowExistingEmpty: true,
        signal: abort.signal,
        onWarning: warnings.add,
        onProgress: bar ? (b, l) => bar.update(b, l) : undefined,
      });
      bar?.done();
      if (!this.jsonEnabled()) {
        const note = r.lines === 0 ? ' (no line matched: the slice is an empty capture)' : '';
        this.log(
          `sliced ${r.lines.toLocaleString('en-US')} lines (${kit.formatBytes(r.bytes)} uncompressed, ${r.files} file(s)) into ${r.dir}${note}`,
        );
      }
      return {
        source: cap.dir,
        output: r.dir,
        lines: r.lines,
        bytes: r.bytes,
        files: r.files,
        provenance: r.provenance,
        warnings: warnings.toJson(),
      };
    } catch (err) {
      const known = kit.translateError(err);
      if (known) this.error(known.message, { exit: known.exit, suggestions: known.suggestions });
      if (abort.signal.aborted)
        this.error('slice interrupted; the partial output was removed', { exit: 130 });
      throw err;
    } finally {
      dispose();
    }
  }
}
