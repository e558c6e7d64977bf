import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_TEXT } from '../flags.js';
import type { InspectReport } from '../inspect.js';

// Loaded for `logtap inspect --help`: heavy modules load in run().

export default class Inspect extends Command {
  static override summary =
    'Summarise a capture from its index: size, lines, time range, labels, timeline, losses.';

  static override description =
    `Reads metadata.json and index.jsonl only (indexed data files are never decompressed, so it is instant on captures of any size) plus the files not yet indexed (the active file of a live capture, files a crash left behind), which are scanned.

Shows: data files and their on-disk and uncompressed size, lines, the time range of the data, the average rate over the capture's session, per label key the most frequent values with their lines and share, a timeline sparkline, whether redaction was on (and its rules), files evicted by the disk cap, lines dropped by the receiver, and the source of a slice.

--json prints the same as a JSON object (schema logtap.inspect/v1, see docs/capture-tools.md).

${EXIT_CODES_TEXT}`;

  static override examples = [
    { description: 'Summarise ./capture', command: '<%= config.bin %> <%= command.id %> ./capture' },
    {
      description: 'All values of every label key, as JSON',
      command: '<%= config.bin %> <%= command.id %> ./capture --top 0 --json',
    },
    {
      description: 'Lines of one app, with jq',
      command: `<%= config.bin %> <%= command.id %> ./capture --json | jq '.labels[] | select(.key=="app") | .values'`,
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Capture directory.', required: true }),
  };

  static override flags = {
    top: Flags.integer({
      summary: 'Values listed per label key (0 lists all).',
      default: 10,
      min: 0,
    }),
    orphans: Flags.boolean({
      summary: 'Scan data files that are not indexed yet (--no-orphans reports only what the index says).',
      default: true,
      allowNo: true,
    }),
    width: Flags.integer({
      summary: 'Width of the timeline sparkline, in columns.',
      default: 60,
      min: 10,
      max: 400,
    }),
  };

  async run(): Promise<InspectReport> {
    const { args, flags } = await this.parse(Inspect);
    const [{ openCapture }, { inspectCapture }, { renderInspect }, kit] = await Promise.all([
      import('@logtap/capture/read'),
      import('../inspect.js'),
      import('../inspect-text.js'),
      import('../command-kit.js'),
    ]);
    try {
      const cap = await openCapture(args.dir);
      const report = await inspectCapture(cap, {
        top: flags.top === 0 ? Number.POSITIVE_INFINITY : flags.top,
        scanOrphans: flags.orphans,
      });
      if (!this.jsonEnabled()) process.stdout.write(renderInspect(report, flags.width));
      return report;
    } catch (err) {
      const known = kit.translateError(err);
      if (known) this.error(known.message, { exit: known.exit, suggestions: known.suggestions });
      throw err;
    }
  }
}
