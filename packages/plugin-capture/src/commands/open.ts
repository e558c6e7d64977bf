import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';

// Loaded for `logtap open --help` when no manifest is available: heavy modules load in run().

export default class Open extends Command {
  static override summary = 'Replay a capture in the terminal, paced by its timestamps.';

  static override description =
    `Opens a capture directory in the replay view: lines appear at the pace they were logged (--speed 1x), ten times faster (10x) or as fast as possible (0), with the live view's log pane and keys: search (/re, n, N), filters that hide (/!re) or keep (/=re), a label filter (l), time jumps (t), bookmarks (m, '), next/previous error (e, E), and w to write the filtered lines as a new capture.

Replay keys: space pauses and resumes, ] doubles the speed and [ halves it, s opens the service picker. When the capture holds several services (and no --label is given), the picker comes first: j/k move, space toggles, a selects all or none, Enter starts. ? shows every key; q or Ctrl+C quits.

The capture is streamed: memory stays bounded (the scrollback keeps the newest --scrollback lines) whatever its size. Idle gaps longer than 5 s of wall time are shortened to 5 s.

Exit codes: 0 after q; 1 unexpected error; 2 invalid flag value; 4 capture directory missing or unreadable; 5 not a terminal.`;

  static override examples = [
    {
      description: 'Replay ./capture in real time',
      command: '<%= config.bin %> <%= command.id %> ./capture',
    },
    {
      description: 'Ten times faster, only the checkout service, from 14:30 for ten minutes',
      command:
        '<%= config.bin %> <%= command.id %> ./capture --speed 10x --label app=checkout --from 14:30 --to +10m',
    },
    {
      description: 'As fast as possible, only lines matching a regex',
      command: '<%= config.bin %> <%= command.id %> ./capture --speed 0 --grep "timeout|5\\d\\d"',
    },
  ];

  static override args = {
    dir: Args.string({ description: 'Capture directory.', required: true }),
  };

  static override flags = {
    speed: Flags.string({
      summary: 'Replay speed: 1x (real time), 10x, 0.5x, or 0 / max (as fast as possible).',
      default: '1x',
      helpValue: 'SPEED',
    }),
    from: Flags.string({
      summary:
        'Start at this time: RFC 3339, HH:MM (the capture day), +DURATION from the start, -DURATION from the end.',
      helpValue: 'TIME',
    }),
    to: Flags.string({ summary: 'Stop at this time (same forms as --from).', helpValue: 'TIME' }),
    label: Flags.string({
      summary: 'Only lines whose labels match: app=web, app!=web, app=~"web|api", {app="web",pod=~"x.*"}.',
      multiple: true,
      helpValue: 'SELECTOR',
    }),
    grep: Flags.string({ summary: 'Only lines whose message matches this regex.', helpValue: 'REGEX' }),
    scrollback: Flags.integer({
      summary: 'Lines kept for scrolling back (the newest; memory stays bounded).',
      default: 10_000,
      min: 100,
      max: 1_000_000,
    }),
    picker: Flags.boolean({
      summary:
        'Show the service picker first when the capture has several services (--no-picker starts at once).',
      default: true,
      allowNo: true,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Open);
    const [{ parseSpeed, runReplayView }, { prepareReplay, writeFilteredCapture }, capture] =
      await Promise.all([
        import('@logtap/tui'),
        import('../replay-source.js'),
        import('@logtap/capture/read'),
      ]);
    const speed = parseSpeed(flags.speed);
    if (speed === undefined) {
      this.error(`--speed ${flags.speed} is not a speed`, {
        exit: 2,
        suggestions: ['use 1x, 10x, 0.5x or 0 (as fast as possible)'],
      });
    }
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      this.error('open draws a full-screen view and needs a terminal', {
        exit: 5,
        suggestions: ['run it in a terminal', 'to print lines instead, use `zstd -dc DIR/*.zst | jq`'],
      });
    }
    let prepared: Awaited<ReturnType<typeof prepareReplay>>;
    try {
      prepared = await prepareReplay({
        dir: args.dir,
        from: flags.from,
        to: flags.to,
        labels: flags.label,
        grep: flags.grep,
      });
    } catch (err) {
      if (
        err instanceof capture.CaptureNotFoundError ||
        err instanceof capture.NotACaptureError ||
        err instanceof capture.CaptureIoError
      ) {
        this.error(err.message, { exit: 4 });
      }
      if (
        err instanceof capture.InvalidFilterError ||
        err instanceof capture.InvalidRegexError ||
        err instanceof capture.InvalidTimeError
      )
        this.error(err.message, { exit: 2 });
      throw err;
    }
    await runReplayView(prepared.source, {
      terminal: { input: process.stdin, output: process.stdout, term: process.env['TERM'] },
      header: prepared.header,
      speed,
      ring: { maxLines: flags.scrollback },
      noPicker: !flags.picker,
      writeCapture: writeFilteredCapture,
    });
  }
}
