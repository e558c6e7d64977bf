import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { patternFlags, rangeFlags } from '../flags.js';

// Loaded for `logtap grep --help`: heavy modules load in run().

export default class Grep extends Command {
  static override summary = 'Print the lines of a capture whose message matches a regex.';

  static override description =
    `Searches the messages of a capture in file order (the order lines arrived) and prints each matching line as text, "<time> <service> <message>" (time in UTC to the millisecond; service = the app.kubernetes.io/name, app, container or pod label, else the first label by name), or as JSONL in the capture's schema (--format jsonl). Control characters in messages are escaped in text output so logs cannot drive the terminal.

The pattern uses RE2 syntax: matching is linear in the line length, so no pattern can hang a search. Literal parts of the pattern are looked up in the compressed capture's raw text before any line is decoded, which makes selective searches fast on large captures. --from, --to and --label narrow the search with the same filter language as slice and export.

-C N adds N lines of context before and after each match (from the same filtered stream); in text output matches are marked "service:" and context lines "service-", and groups are separated by "--"; in JSONL, context lines carry "context":"before" or "after". --count prints "<file>\\t<matches>" per data file instead.

Exit codes: 0 a line matched; 1 no line matched (or an unexpected error, with a message on stderr); 2 invalid flag, argument, time, label matcher or regex; 4 capture directory missing, not a capture, or unreadable.`;

  static override examples = [
    {
      description: 'Errors and timeouts anywhere in ./capture',
      command: `<%= config.bin %> <%= command.id %> 'error|timeout' ./capture`,
    },
    {
      description: 'Case-insensitive, in one app, with 3 lines of context',
      command: `<%= config.bin %> <%= command.id %> -i 'connection reset' ./capture -l app=api -C 3`,
    },
    {
      description: 'Matches between 14:30 and 14:45 on the capture day, as JSONL for jq',
      command: `<%= config.bin %> <%= command.id %> 'status=5\\d\\d' ./capture --from 14:30 --to 14:45 --format jsonl | jq .labels.pod`,
    },
    {
      description: 'Matches per data file',
      command: `<%= config.bin %> <%= command.id %> --count OOMKilled ./capture`,
    },
  ];

  static override args = {
    pattern: Args.string({
      description: 'Regex searched in each message (RE2 syntax; see -F, -i).',
      required: true,
    }),
    dir: Args.string({ description: 'Capture directory.', required: true }),
  };

  static override flags = {
    format: Flags.string({
      summary: 'Output format.',
      options: ['text', 'jsonl'],
      default: 'text',
    }),
    context: Flags.integer({
      char: 'C',
      summary: 'Lines of context before and after each match.',
      default: 0,
      min: 0,
      max: 10_000,
    }),
    count: Flags.boolean({
      char: 'c',
      summary: 'Print the number of matches per data file instead of the lines.',
      default: false,
    }),
    'max-count': Flags.integer({ char: 'm', summary: 'Stop after this many matches.', min: 1 }),
    color: Flags.string({
      summary:
        'Colour matches, times and services in text output: auto (when stdout is a terminal and NO_COLOR is unset), always, never.',
      options: ['auto', 'always', 'never'],
      default: 'auto',
    }),
    ...patternFlags,
    ...rangeFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Grep);
    const [{ grepCapture }, kit, capture, { InvalidArgumentError }] = await Promise.all([
      import('../grep.js'),
      import('../command-kit.js'),
      import('@logtap/capture/read'),
      import('../errors.js'),
    ]);
    const warnings = new kit.WarningLog((t) => this.warn(t));
    let result: Awaited<ReturnType<typeof grepCapture>>;
    const abort = new AbortController();
    const out = kit.streamOutput(process.stdout, '-', () => abort.abort(new Error('stdout closed')));
    try {
      let loaded: Awaited<ReturnType<typeof kit.loadSource>>;
      try {
        loaded = await kit.loadSource(
          args.dir,
          kit.filterInput(flags, args.pattern, BigInt(Date.now()) * 1_000_000n),
        );
      } catch (err) {
        // `logtap grep ./capture error`: the arguments are swapped.
        if (
          (err instanceof capture.CaptureNotFoundError || err instanceof capture.NotACaptureError) &&
          (await isCapture(args.pattern))
        ) {
          throw new InvalidArgumentError(
            `${args.dir} is not a capture directory, but ${args.pattern} is: the pattern comes first`,
            [`logtap grep ${shellQuote(args.dir)} ${shellQuote(args.pattern)}`],
          );
        }
        throw err;
      }
      result = await grepCapture(loaded.cap, loaded.filter, {
        format: flags.format as 'text' | 'jsonl',
        context: flags.context,
        count: flags.count,
        color:
          flags.color === 'always' ||
          (flags.color === 'auto' && process.stdout.isTTY === true && (process.env['NO_COLOR'] ?? '') === ''),
        maxCount: flags['max-count'],
        write: (s) => out.write(s),
        onWarning: warnings.add,
        signal: abort.signal,
      });
    } catch (err) {
      // `logtap grep … | head`: the reader has what it wanted.
      if (out.closed) return;
      const known = kit.translateError(err);
      if (known) this.error(known.message, { exit: known.exit, suggestions: known.suggestions });
      throw err;
    }
    if (process.stderr.isTTY && !out.closed) {
      process.stderr.write(
        `${result.matches.toLocaleString('en-US')} match(es) in ${result.files.length} file(s)\n`,
      );
    }
    if (result.matches === 0) this.exit(1);
  }
}

async function isCapture(dir: string): Promise<boolean> {
  const { openCapture } = await import('@logtap/capture/read');
  return openCapture(dir).then(
    () => true,
    () => false,
  );
}

function shellQuote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
