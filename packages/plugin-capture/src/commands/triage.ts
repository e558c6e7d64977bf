import type { TriageReport } from '@logtap/triage';
import * as Args from '@oclif/core/args';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { messageFlags, rangeFlags } from '../flags.js';
import { EXIT, scanFlags } from '../triage/flags.js';

// Loaded for `logtap triage --help`: the capture reader, the engine and the workers load in run().

export default class Triage extends Command {
  static override summary =
    'Find what went wrong in a capture: error bursts, spikes, new and top error templates, each with evidence.';

  static override description =
    `Scans a capture and reports, deterministically (no ML; the same capture and flags give the same report): the incident start, the peak error window and the steady state; error bursts and volume spikes or drops per --window bucket (robust z-score against a rolling median/MAD); log templates (Drain-style mining with variables masked) that are new after the warm-up or --since, and the top error templates with their share of errors; services with high error rates. Every finding carries counts, first/last seen times, example lines and a ready \`logtap slice\` command.

Severity is level-aware: JSON and logfmt level fields, level tokens at the start of a line, HTTP status codes and stack-trace starts come first; keywords ("failed", "timeout") only as a fallback, and "0 errors" is not an error.

Output: the summary (Markdown) on stdout; --out DIR writes summary.md, report.json (versioned schema), timeline.csv, templates.csv and a self-contained report.html (directory 0700, files 0600); --json prints report.json to stdout and nothing else. Progress goes to stderr when it is a terminal.

The scan runs in --jobs worker threads, splitting closed files at zstd frame boundaries; the report does not depend on --jobs.

Exit codes: 0 report produced; 1 unexpected error; 2 invalid flag value (time, label matcher, regex, window); 3 --out cannot be written (or is a capture directory); 4 capture directory missing, not a capture, or unreadable; 130 interrupted.`;

  static override examples = [
    {
      description: 'Triage a capture and print the summary',
      command: '<%= config.bin %> <%= command.id %> ./capture',
    },
    {
      description: 'Write every report file, with 5-minute buckets',
      command: '<%= config.bin %> <%= command.id %> ./capture --out ./triage --window 5m',
    },
    {
      description: 'Templates first seen after the load ramp-up (10 minutes in) count as new',
      command: '<%= config.bin %> <%= command.id %> ./capture --since +10m',
    },
    {
      description: 'Only the checkout service, report as JSON for a script',
      command:
        '<%= config.bin %> <%= command.id %> ./capture --label app=checkout --json | jq .windows.incidentStart',
    },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Capture directory.', required: true }),
  };

  static override flags = {
    out: Flags.string({
      summary:
        'Write summary.md, report.json, timeline.csv, templates.csv and report.html into this directory.',
      char: 'o',
      helpValue: 'DIR',
    }),
    since: Flags.string({
      summary:
        'Templates first seen at or after this time are new (same forms as --from); default: after the warm-up.',
      helpValue: 'TIME',
    }),
    warmup: Flags.string({
      summary:
        'Without --since, templates first seen this long after the first line are new (default 5m, at most a quarter of the span).',
      helpValue: 'DURATION',
    }),
    ...scanFlags,
    ...rangeFlags,
    ...messageFlags,
  };

  async run(): Promise<TriageReport> {
    const { args, flags } = await this.parse(Triage);
    const [{ parseDuration }, { triageCapture }, { writeReportDir }, { renderSummaryMarkdown }, kit, exit] =
      await Promise.all([
        import('@logtap/capture/read'),
        import('../triage/pipeline.js'),
        import('../triage/output.js'),
        import('@logtap/triage'),
        import('../command-kit.js'),
        import('../triage/exit.js'),
      ]);
    const fail: (err: unknown) => never = (err) => {
      const t = exit.translateTriageError(err);
      if (t === undefined) throw err;
      this.error(t.message, { exit: t.exit, suggestions: t.suggestions });
    };
    const json = this.jsonEnabled();
    let windowNs: bigint;
    let warmupNs: bigint | undefined;
    try {
      windowNs = parseDuration(flags.window);
      warmupNs = flags.warmup === undefined ? undefined : parseDuration(flags.warmup);
    } catch (err) {
      this.error((err as Error).message, { exit: EXIT.usage });
    }
    if (windowNs < 1_000_000_000n) {
      this.error(`--window ${flags.window} is shorter than 1s`, {
        exit: EXIT.usage,
        suggestions: ['use a bucket of at least 1s, e.g. 10s, 1m or 5m'],
      });
    }

    let bar: InstanceType<typeof kit.ProgressBar> | undefined;
    const ac = new AbortController();
    const onSigint = () => ac.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
    process.once('SIGINT', onSigint);
    const started = performance.now();
    let result: Awaited<ReturnType<typeof triageCapture>>;
    try {
      result = await triageCapture({
        dir: args.dir,
        filter: {
          from: flags.from,
          to: flags.to,
          labels: flags.label,
          grep: flags.grep,
          ignoreCase: flags['ignore-case'],
          fixedStrings: flags['fixed-strings'],
        },
        windowNs,
        since: flags.since,
        warmupNs,
        jobs: flags.jobs,
        nowNs: BigInt(Date.now()) * 1_000_000n,
        onProgress: (p) => {
          if (!process.stderr.isTTY) return;
          bar ??= new kit.ProgressBar(process.stderr, p.bytesTotal);
          bar.update(p.bytesDone, p.lines);
        },
        signal: ac.signal,
      });
    } catch (err) {
      bar?.done();
      fail(err);
    } finally {
      process.off('SIGINT', onSigint);
    }
    bar?.done();
    const { report, scan } = result;
    const warnings = new kit.WarningLog((text) => process.stderr.write(`warning: ${text}\n`));
    for (const w of scan.warnings) warnings.add(w);
    if (flags.out !== undefined) {
      try {
        await writeReportDir(flags.out, report, process.pid);
      } catch (err) {
        fail(err);
      }
    }
    if (!json) {
      this.log(renderSummaryMarkdown(report).trimEnd());
      const secs = (performance.now() - started) / 1000;
      const how = scan.threads > 1 ? `${scan.threads} threads` : 'in-process';
      this.logToStderr(
        `triage: ${scan.lines.toLocaleString('en-US')} lines (${(report.totals.bytes / 1e6).toFixed(1)} MB of messages) in ${secs.toFixed(1)}s, ${how}` +
          (flags.out !== undefined
            ? `; wrote ${flags.out}/{summary.md,report.json,timeline.csv,templates.csv,report.html}`
            : ''),
      );
      if (scan.lines === 0) this.logToStderr('triage: no lines matched; check --from/--to/--label/--grep');
    }
    return report;
  }

  /** With --json oclif prints the error as JSON and exits 1 unless told otherwise: keep the documented code. */
  protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    if (this.jsonEnabled() && err.oclif?.exit !== undefined) process.exitCode = err.oclif.exit;
    return super.catch(err);
  }

  /** Prints the report exactly as report.json holds it (oclif's default re-tokenises and colours it). */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }
}
