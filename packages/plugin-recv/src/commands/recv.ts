import { homedir } from 'node:os';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { normalizeRedactArgv } from '../argv.js';
import type { InClusterSummary } from '../in-cluster.js';
import { inClusterFlags } from '../in-cluster-flags.js';
import type { RecvSummary } from '../run.js';

// This file is loaded for `logtap recv --help` (when no manifest is available): keep its imports to
// @oclif/core and tiny local modules. The receiver, capture writer, redactor and zod load in run().

export default class Recv extends Command {
  static override summary =
    'Receive logs pushed by Loki and OTLP clients and write them to a capture directory.';

  static override description =
    `Starts an HTTP(S) server that accepts the Loki push API (JSON, protobuf + snappy, gzip/deflate, the legacy /api/prom/push), OTLP/HTTP logs (JSON and protobuf) and logtap's NDJSON (/logtap/raw), and writes every line to a rotated, zstd-compressed JSONL capture directory that stays under --max-disk.

Endpoints: POST /loki/api/v1/push, /api/prom/push, /otlp/v1/logs, /logtap/raw; GET /healthz, /ready and /readyz (503 while shedding load or shutting down), /metrics (Prometheus), /api/version, and with --live-token /logtap/v1/live (for a remote live view). Successful pushes are answered 204; 400 names what is wrong with a body, 413 means over --max-body, 401 a missing or wrong token.

The sender is never blocked. Between HTTP and the disk sits a queue bounded by --buffer (bytes). When it is full, --on-full drop (the default) answers 204 and drops the push, counting the lines per reason and per stream; --on-full reject answers 429 with Retry-After so that clients which retry (Promtail, Grafana Alloy, Vector, Fluent Bit, the OTel SDKs) keep the data. Lines received = lines written + lines dropped, in /metrics, in the progress lines and in metadata.json.

Sizes accept KB, MB, GB, TB (and K, M, G, T) as powers of 1000 and KiB, MiB, GiB, TiB (and Ki, Mi, Gi, Ti) as powers of 1024; a bare number is bytes. Durations are like 30s, 10m, 1h30m.

Redaction (--redact, --redact-patterns) runs before anything is queued or written: secrets never reach the disk. A bare --redact turns on every built-in rule; --redact=email,jwt picks rules. Label values and structured metadata are redacted too unless --no-redact-labels.

In a terminal, recv shows a live view: stats (in-flight pushes, lines/s, bytes/s, disk used against --max-disk, drops, redaction), the top talkers and the latest lines, with less/vim-style keys (? lists them; q quits). With --headless, or when stdin/stdout is not a terminal, a progress line goes to stderr every --progress-interval instead. A summary is printed at the end either way. Ctrl-C or SIGTERM stops gracefully: no new pushes, the queue is drained, the capture is closed (final frame, index, metadata) and recv exits 0. A second Ctrl-C exits at once (code 130); the capture stays readable and is recovered by the next recv or open.

Exit codes: 0 stopped cleanly; 1 unexpected error; 2 invalid flag value; 3 cannot listen on the address; 4 capture directory unusable; 5 TLS certificate or key unusable; 6 redaction rules invalid; 130 stopped at once by a second signal.`;

  static override examples = [
    {
      description: 'Receive on 127.0.0.1:3100 into ./capture with laptop-sized defaults',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Push one line with curl (Loki JSON; timestamps are nanoseconds as a string)',
      command: `curl -sS -H 'Content-Type: application/json' --data-raw '{"streams":[{"stream":{"app":"demo"},"values":[["1700000000000000000","hello"]]}]}' http://127.0.0.1:3100/loki/api/v1/push`,
    },
    {
      description: 'Listen on all interfaces for an in-cluster load test, with TLS and a push token',
      command:
        '<%= config.bin %> <%= command.id %> --listen 0.0.0.0:3100 --tls-cert tls.crt --tls-key tls.key --auth-token "$TOKEN" --dir ./run-42',
    },
    {
      description: 'Redact every built-in rule before anything is written',
      command: '<%= config.bin %> <%= command.id %> --redact --dir ./capture',
    },
    {
      description: 'Redact e-mail addresses and JWTs only, plus custom rules from a file',
      command: '<%= config.bin %> <%= command.id %> --redact=email,jwt --redact-patterns ./patterns.yaml',
    },
    {
      description:
        'Bounded for a small disk; tell clients to retry instead of dropping when the queue is full',
      command:
        '<%= config.bin %> <%= command.id %> --max-disk 2GiB --max-file 64MiB --buffer 128MiB --on-full reject',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    listen: Flags.string({
      summary: 'Address to listen on, HOST:PORT (":3100" = all interfaces, port 0 = any free port).',
      description:
        'A non-loopback address without TLS or without --auth-token prints a warning: anyone who can reach the port can push, and logs cross the network in clear text.',
      default: '127.0.0.1:3100',
      helpValue: 'HOST:PORT',
    }),
    dir: Flags.string({
      summary: 'Capture directory (created if missing; an existing capture is recovered and continued).',
      default: './capture',
      helpValue: 'DIR',
    }),
    'max-file': Flags.string({
      summary: 'Rotate the active data file at this uncompressed size.',
      default: '256MiB',
      helpValue: 'SIZE',
    }),
    'max-file-age': Flags.string({
      summary: 'Rotate the active data file at this age (0 = by size only).',
      default: '15m',
      helpValue: 'DURATION',
    }),
    'max-disk': Flags.string({
      summary: 'Hard cap on the capture directory: the oldest data files are evicted to stay under it.',
      default: '5GiB',
      helpValue: 'SIZE',
    }),
    'min-free': Flags.string({
      summary:
        'Keep at least this much free space on the file system (evict, then drop, rather than fill it).',
      default: '256MiB',
      helpValue: 'SIZE',
    }),
    buffer: Flags.string({
      summary:
        'Bound of the queue between HTTP and the disk, in bytes of data lines (JSONL, labels included).',
      description:
        'About 110 ms of data at 600k lines/s with the default. Memory use is roughly 100 MB plus twice this; raise it to ride out longer bursts or slower disks.',
      default: '32MiB',
      helpValue: 'SIZE',
    }),
    'on-full': Flags.string({
      summary:
        'When the queue is full: drop (answer 204, count the loss) or reject (answer 429 + Retry-After).',
      options: ['drop', 'reject'],
      default: 'drop',
    }),
    'max-body': Flags.string({
      summary: 'Largest push body accepted, before and after decompression (413 past it).',
      default: '64MiB',
      helpValue: 'SIZE',
    }),
    'max-line': Flags.string({
      summary: 'Longer lines are cut to this size (and tagged logtap_truncated_bytes in their metadata).',
      default: '1MiB',
      helpValue: 'SIZE',
    }),
    headless: Flags.boolean({
      summary: 'No live view: progress lines on stderr and a final summary (automatic without a terminal).',
      default: false,
    }),
    'tls-cert': Flags.string({
      summary: 'PEM certificate (chain): serve HTTPS. Needs --tls-key.',
      helpValue: 'FILE',
      dependsOn: ['tls-key'],
    }),
    'tls-key': Flags.string({
      summary: 'PEM private key of --tls-cert.',
      helpValue: 'FILE',
      dependsOn: ['tls-cert'],
    }),
    'auth-token': Flags.string({
      summary: 'Require "Authorization: Bearer TOKEN" (or Basic auth with TOKEN as password) on pushes.',
      env: 'LOGTAP_AUTH_TOKEN',
      helpValue: 'TOKEN',
    }),
    'live-token': Flags.string({
      summary:
        'Serve GET /logtap/v1/live (counters, top talkers, the newest lines) to clients sending this bearer token.',
      description:
        'For a live view elsewhere: recv --in-cluster sets a random one per run on the receiver pod and polls it through the port-forward. A read token (16+ characters), separate from --auth-token: pushers cannot read. Costs the same as the local live view (a sample of each accepted batch).',
      env: 'LOGTAP_LIVE_TOKEN',
      helpValue: 'TOKEN',
    }),
    redact: Flags.string({
      summary:
        'Redact before writing: bare --redact = every built-in rule, --redact=email,jwt = those rules.',
      description:
        "An optional-value flag: `--redact`, `--redact=all`, `--redact=email,jwt` and `--redact email,jwt` all work, and `--redact --dir x` does not swallow --dir. `--redact=none` with --redact-patterns uses only the file's rules.",
      helpValue: '[RULES]',
    }),
    'redact-patterns': Flags.string({
      summary:
        'YAML or JSON file of extra redaction rules (name, pattern, replacement, validator); implies --redact.',
      helpValue: 'FILE',
    }),
    'redact-labels': Flags.boolean({
      summary: 'Also redact label values and structured metadata (on by default when redacting).',
      default: true,
      allowNo: true,
    }),
    'redact-hash-key-file': Flags.string({
      summary:
        'Keyed hashing: redacted values become [REDACTED:rule:tag], equal values equal tags, with the key (16+ bytes) in FILE.',
      description:
        'The tag is an HMAC-SHA256 of the value under this key, so the same user or IP stays recognisable across lines without being recoverable. Use a random secret per capture, e.g. head -c 32 /dev/urandom > key. A trailing newline in the file is ignored.',
      env: 'LOGTAP_REDACT_HASH_KEY_FILE',
      helpValue: 'FILE',
    }),
    'redact-threads': Flags.string({
      summary:
        'Threads that decode, redact and serialise pushes when redacting (default auto: one per core).',
      description:
        'Redaction is the costly part of ingest with --redact (about 70 MB/s of log lines per core); the threads spread it over every core while the request thread keeps answering.',
      helpValue: 'N',
    }),
    'zstd-level': Flags.string({
      summary: 'zstd level of the data files: 1 is fastest (and on logs about as small as 3); up to 19.',
      default: '1',
      helpValue: 'LEVEL',
    }),
    'progress-interval': Flags.string({
      summary: 'How often a progress line is printed to stderr (0 = never).',
      default: '5s',
      helpValue: 'DURATION',
    }),
    // --in-cluster, --namespace, --image, --ttl, --context, --kubeconfig: see in-cluster-flags.ts.
    ...inClusterFlags,
  };

  async run(): Promise<RecvSummary | InClusterSummary> {
    const { flags } = await this.parse(Recv, normalizeRedactArgv(this.argv));
    const { describeFailure } = await import('../run.js');
    const fail = (err: unknown): never => {
      const failure = describeFailure(err);
      return this.error(failure.message, { exit: failure.exit, suggestions: failure.suggestions });
    };
    // --- recv --in-cluster (in-cluster.ts): the receiver runs in the cluster; this process forwards a port
    // to it, shows its progress and, at the end, copies the capture back and deletes what it created.
    if (flags['in-cluster']) {
      const { runInCluster } = await import('../in-cluster.js');
      try {
        return await runInCluster(flags, {
          ...processIo(this.config.version),
          env: process.env,
          home: homedir(),
          // The live view (polling the pod through the port-forward) needs a terminal on both ends.
          ...liveTerminal(flags.headless),
        });
      } catch (err) {
        return fail(err);
      }
    }
    // --- end of --in-cluster
    const { parseRecvConfig } = await import('../config.js');
    const { runRecv } = await import('../run.js');
    let config: ReturnType<typeof parseRecvConfig>;
    try {
      config = parseRecvConfig(flags);
    } catch (err) {
      return fail(err);
    }
    try {
      // The live view needs a terminal on both ends; otherwise recv runs headless.
      return await runRecv(config, { ...processIo(this.config.version), ...liveTerminal(config.headless) });
    } catch (err) {
      return fail(err);
    }
  }
}

/** What both run modes take from the process: stderr lines, SIGINT/SIGTERM, the hard exit. */
function processIo(version: string) {
  return {
    log: (line: string) => {
      process.stderr.write(`${line}\n`);
    },
    onSignal: (handler: (signal: NodeJS.Signals) => void) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    hardExit: (code: number): never => process.exit(code),
    version,
  };
}

/** The terminal for the live view when not headless and both ends are a TTY; otherwise nothing. */
function liveTerminal(headless: boolean) {
  return !headless && process.stdout.isTTY && process.stdin.isTTY
    ? { terminal: { input: process.stdin, output: process.stdout, term: process.env['TERM'] } }
    : {};
}
