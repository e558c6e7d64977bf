import type { ReportDiff, Verdict } from '@logtap/triage';
import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { messageFlags, rangeFlags } from '../flags.js';
import { EXIT, scanFlags } from '../triage/flags.js';

// Loaded for `logtap diff --help`: the reader and the triage engine load in run().

const VERDICTS: readonly Verdict[] = ['regression', 'different', 'improvement', 'stable'];

export default class Diff extends Command {
  static override summary =
    'Compare two runs: volume, error rate, new / gone / grown templates, label keys, and a verdict.';

  static override description =
    `Compares a baseline run with a current one and gives a verdict with the evidence behind it:
  regression   error rate up (>= 0.1 percentage points and >= 50%), or new error templates holding >= 10% of the current errors, or error templates that grew >= 2x in share holding >= 20% of the errors while the error rate rose;
  improvement  error rate down (>= 0.1 pp and >= 20%);
  different    volume (lines per minute) changed >= 50%, >= 20% of lines in new or gone templates, or label keys differ;
  stable       otherwise.
Templates are matched by pattern and compared by share of lines, so runs of different length or load compare fairly.

Each input is a report.json written by \`logtap triage --out\`, that --out directory, or a capture directory (triaged first, with --window, --jobs and the filter flags applied to both sides).

Output: the comparison in Markdown on stdout, or with --json the diff document (schema logtap.triage.diff, version 1) and nothing else.

Exit codes: 0 compared (with --ci: the verdict is not one of --fail-on); 6 with --ci, the verdict is one of --fail-on; 1 unexpected error; 2 invalid flag value; 4 an input is missing, unreadable, or neither a report nor a capture; 130 interrupted.`;

  static override examples = [
    {
      description: 'Compare two captures',
      command: '<%= config.bin %> <%= command.id %> ./capture-v1 ./capture-v2',
    },
    {
      description: 'In CI: fail the job (exit 6) on a regression against a stored baseline report',
      command: '<%= config.bin %> <%= command.id %> baseline/report.json ./capture --ci --fail-on regression',
    },
    {
      description: 'Fail on any notable change, and keep the diff as JSON',
      command:
        '<%= config.bin %> <%= command.id %> ./triage-v1 ./triage-v2 --ci --fail-on regression,different --json > diff.json',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    baseline: Args.string({
      description: 'Baseline: a capture directory, a report.json, or a `triage --out` directory.',
      required: true,
    }),
    current: Args.string({ description: 'Current run (same forms as the baseline).', required: true }),
  };

  static override flags = {
    ci: Flags.boolean({
      summary: 'Exit with code 6 when the verdict is one of --fail-on (for CI gates).',
    }),
    'fail-on': Flags.string({
      summary: 'Verdicts that fail with --ci, comma-separated: regression, different, improvement, stable.',
      default: 'regression',
      helpValue: 'VERDICTS',
    }),
    ...scanFlags,
    ...rangeFlags,
    ...messageFlags,
  };

  async run(): Promise<ReportDiff> {
    const { args, flags } = await this.parse(Diff);
    const failOn = flags['fail-on']
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    const unknown = failOn.filter((v) => !VERDICTS.includes(v as Verdict));
    if (unknown.length > 0 || failOn.length === 0) {
      this.error(`--fail-on ${flags['fail-on']}: unknown verdict ${unknown.join(', ') || '(none given)'}`, {
        exit: EXIT.usage,
        suggestions: [`use one or more of ${VERDICTS.join(', ')}, e.g. --fail-on regression,different`],
      });
    }
    const [{ parseDuration }, { loadDiffInput }, { diffReports, renderDiffMarkdown }, exit] =
      await Promise.all([
        import('@logtap/capture/read'),
        import('../triage/diff-input.js'),
        import('@logtap/triage'),
        import('../triage/exit.js'),
      ]);
    let windowNs: bigint;
    try {
      windowNs = parseDuration(flags.window);
    } catch (err) {
      this.error((err as Error).message, { exit: EXIT.usage });
    }
    if (windowNs < 1_000_000_000n) {
      this.error(`--window ${flags.window} is shorter than 1s`, { exit: EXIT.usage });
    }
    const ac = new AbortController();
    const onSigint = () => ac.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
    process.once('SIGINT', onSigint);
    const triageOpts = {
      filter: {
        from: flags.from,
        to: flags.to,
        labels: flags.label,
        grep: flags.grep,
        ignoreCase: flags['ignore-case'],
        fixedStrings: flags['fixed-strings'],
      },
      windowNs,
      jobs: flags.jobs,
      nowNs: BigInt(Date.now()) * 1_000_000n,
      signal: ac.signal,
    };
    let diff: ReportDiff;
    try {
      // One side after the other: each scan already uses every core.
      const baseline = await loadDiffInput(args.baseline, triageOpts);
      const current = await loadDiffInput(args.current, triageOpts);
      diff = diffReports(baseline.report, current.report);
    } catch (err) {
      const t = exit.translateTriageError(err);
      if (t === undefined) throw err;
      this.error(t.message, { exit: t.exit, suggestions: t.suggestions });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (!this.jsonEnabled()) this.log(renderDiffMarkdown(diff).trimEnd());
    if (flags.ci && failOn.includes(diff.verdict)) {
      // Set, not exit(): with --json, oclif prints the returned diff after run() returns.
      process.exitCode = EXIT.verdict;
      this.logToStderr(
        `diff: verdict ${diff.verdict} is in --fail-on ${failOn.join(',')}: exit ${EXIT.verdict}`,
      );
    }
    return diff;
  }

  /** With --json oclif prints the error as JSON and exits 1 unless told otherwise: keep the documented code. */
  protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    if (this.jsonEnabled() && err.oclif?.exit !== undefined) process.exitCode = err.oclif.exit;
    return super.catch(err);
  }

  /** Prints the diff exactly as renderDiffJson does (oclif's default re-tokenises and colours it). */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }
}
