import { Command } from '@oclif/core/command';

// `logtap redact` is `logtap-redact` (@logtap/redact's bin) under the logtap CLI: the arguments go through
// unchanged to the same parser, so both spell every option the same way. Loaded for `--help` without a
// manifest: keep imports to @oclif/core; the redactor loads in run().

export default class Redact extends Command {
  static override summary =
    'Redact secrets and PII from files or stdin, or check them in CI (--check exits 1 on findings).';

  static override description =
    `The same rules as recv --redact (26 built-in rules with validators, custom RE2 rules from a YAML or JSON file, optional keyed hashing), on files or stdin. Redacted text goes to stdout, or back into the files with --in-place. With --check nothing is rewritten: each finding is printed as FILE:LINE:COLUMN:RULE (never the value itself) and the exit code is 1 when there is any, which fails a CI step.

Options (all of logtap-redact's):
  --check                 report findings, exit 1 if any
  --json                  machine output: findings (--check), the rule list (--list-rules), or a summary on stderr
  --rules LIST            rules or groups, e.g. email,jwt or all,-ipv4 or secrets,pii (default: all)
  --patterns FILE         custom rules file (YAML or JSON); repeatable
  --allow PATTERN         RE2 pattern; a match whose text it matches is kept (e.g. @example\\.com$); repeatable
  -w, --in-place          rewrite each FILE that has findings (atomic rename, mode kept)
  --hash-key-env NAME     keyed hashing ([REDACTED:rule:tag]) with the key in environment variable NAME
  --hash-key-file FILE    keyed hashing with the key read from FILE
  --list-rules            list the built-in rules and groups

A FILE of "-" (or no FILE) reads stdin. Binary files (a NUL byte in the first 8 KiB) are skipped with a note.

Exit codes: 0 nothing found (or redaction done); 1 findings with --check; 2 usage, configuration or I/O error.`;

  static override examples = [
    {
      description: 'Redact a log file to stdout with every built-in rule',
      command: '<%= config.bin %> <%= command.id %> app.log > app.redacted.log',
    },
    {
      description: 'Fail a CI step when fixtures contain secrets or PII (prints FILE:LINE:COLUMN:RULE)',
      command: '<%= config.bin %> <%= command.id %> --check --rules secrets,pii test/fixtures/*.log',
    },
    {
      description: 'Scrub logs in place before uploading them, keeping IPv4 addresses',
      command: '<%= config.bin %> <%= command.id %> --in-place --rules all,-ipv4 artifacts/logs/*.log',
    },
    {
      description: 'Redact a stream with custom rules and correlatable hashed tags',
      command:
        'kubectl logs deploy/api | <%= config.bin %> <%= command.id %> --patterns patterns.yaml --hash-key-env REDACT_KEY',
    },
  ];

  // Every argument is logtap-redact's; oclif only answers --help.
  static override strict = false;

  async run(): Promise<void> {
    const { runRedactCommand } = await import('@logtap/redact/cli');
    // `logtap redact file | head` closes stdout early: not an error worth a stack trace.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
    const code = await runRedactCommand(this.argv, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
    });
    // Set rather than exit: stdout may still be flushing.
    process.exitCode = code;
  }
}
