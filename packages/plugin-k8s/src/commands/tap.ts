import type { TapResult } from '@logtap/k8s';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { describeFailure, EXIT, EXIT_CODES_HELP, UsageError } from '../failure.js';
import {
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  kubeFlags,
  namedWorkloads,
  parseDuration,
  workloadFlags,
} from '../flags.js';

export default class Tap extends Command {
  static override summary =
    'Add a log-forwarder sidecar to workloads so their logs stream to a logtap receiver.';

  static override description =
    `Adds a container logtap-forwarder-<session> to the pod template of each selected Deployment, StatefulSet or DaemonSet (which rolls their pods), and a Role + RoleBinding logtap-forwarder-<session> that lets only those workloads' service accounts get pods and pods/log in the namespace. The forwarder reads its own pod's logs through the Kubernetes API and pushes them to --target.

Everything tap changes is recorded on the pod template (annotations logtap.dev/tapped, logtap.dev/target, logtap.dev/original), so logtap untap restores exactly what was there, including your own service-mesh annotations. Each change is a JSON Patch guarded by the resourceVersion that was read: a concurrent edit makes it retry from the live object, never overwrite. If one workload fails, the ones already tapped in this run are untapped again.

Production guard (fail-closed): a namespace labelled env or environment = prod | production, or logtap.dev/prod=true, or named with prod / production / prd as a word, is refused without --allow-prod; so is a namespace logtap cannot read. logtap's own receiver (app.kubernetes.io/managed-by=logtap) is never tapped.

Run with --dry-run first to see the exact change as a unified diff of each pod template.

${EXIT_CODES_HELP}`;

  static override examples = [
    {
      description: 'Preview the change to one Deployment',
      command:
        '<%= config.bin %> <%= command.id %> --deployment api-gateway --target logtap-receiver.logtap:3100 --dry-run',
    },
    {
      description: 'Tap it and wait until every pod runs the forwarder',
      command:
        '<%= config.bin %> <%= command.id %> --deployment api-gateway -n shop --target logtap-receiver.logtap:3100 --wait',
    },
    {
      description: 'Tap everything labelled tier=web, pushing over TLS',
      command: '<%= config.bin %> <%= command.id %> -l tier=web --target https://logs.example.com',
    },
    {
      description: 'Tap every workload of the namespace (needs --force)',
      command: '<%= config.bin %> <%= command.id %> --all --force -n loadtest --target 10.0.0.5:3100',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    ...workloadFlags,
    all: Flags.boolean({
      summary:
        'Every Deployment, StatefulSet and DaemonSet of the namespace (needs --force unless --dry-run).',
    }),
    target: Flags.string({
      summary: 'Where the forwarders push, as seen from the pods: host:port or an http(s):// URL.',
      required: true,
      helpValue: 'HOST:PORT|URL',
    }),
    image: Flags.string({
      summary: 'Forwarder image (default: ghcr.io/logtap/logtap-forwarder:<this logtap version>).',
      helpValue: 'IMAGE',
    }),
    'sidecar-cpu': Flags.string({
      summary: 'CPU request of each forwarder; the limit is twice this.',
      default: DEFAULT_CPU,
      helpValue: 'QUANTITY',
    }),
    'sidecar-memory': Flags.string({
      summary: 'Memory request of each forwarder; the limit is twice this.',
      default: DEFAULT_MEMORY,
      helpValue: 'QUANTITY',
    }),
    session: Flags.string({
      summary: 'Session id (default: generated, lt-<16 hex>); reuse one to add workloads to it.',
      helpValue: 'ID',
    }),
    'dry-run': Flags.boolean({ summary: 'Print the unified diff of each pod template and change nothing.' }),
    'allow-prod': Flags.boolean({
      summary: 'Allow a production namespace, or one whose labels cannot be read.',
    }),
    force: Flags.boolean({ summary: 'Confirm --all.' }),
    wait: Flags.boolean({ summary: 'Wait until the rollouts finish (as kubectl rollout status).' }),
    timeout: Flags.string({ summary: 'How long --wait waits.', default: '5m', helpValue: 'DURATION' }),
    ...kubeFlags,
  };

  async run(): Promise<TapResult> {
    const { flags } = await this.parse(Tap);
    const named = namedWorkloads(flags);
    let namespace = flags.namespace;
    try {
      const modes = [named.length > 0, flags.selector !== undefined, flags.all].filter(Boolean).length;
      if (modes !== 1) {
        throw new UsageError(
          'choose the workloads with exactly one of --deployment/--statefulset/--daemonset, -l/--selector or --all',
        );
      }
      const timeoutMs = parseDuration(flags.timeout);
      if (timeoutMs === undefined)
        throw new UsageError(`invalid --timeout "${flags.timeout}": use a duration such as 90s, 5m or 1h`);
      const k8s = await import('@logtap/k8s');
      const { connect } = await import('../connect.js');
      const render = await import('../render.js');
      const client = connect(flags);
      namespace = client.connection.namespace;
      const result = await k8s.tap(client, {
        namespace,
        selection: flags.all
          ? { by: 'all' }
          : flags.selector !== undefined
            ? { by: 'selector', selector: flags.selector }
            : { by: 'names', workloads: named },
        session: flags.session ?? k8s.generateSessionId(),
        target: flags.target,
        image: flags.image ?? k8s.defaultForwarderImage(this.config.version),
        cpu: flags['sidecar-cpu'],
        memory: flags['sidecar-memory'],
        dryRun: flags['dry-run'],
        allowProd: flags['allow-prod'],
        force: flags.force,
        ...(flags.wait ? { wait: { timeoutMs } } : {}),
        ...(this.jsonEnabled() ? {} : { onProgress: (m: string) => this.logToStderr(`  ${m}`) }),
      });
      if (!this.jsonEnabled()) this.log(render.renderTap(result, client.connection.context));
      const stuck = result.rollout?.filter((r) => !r.done) ?? [];
      if (stuck.length > 0) {
        const err = new k8s.RolloutTimeoutError(
          stuck.map((r) => `${r.kind.toLowerCase()}/${r.name}`),
          timeoutMs,
        );
        this.error(err.message, {
          exit: EXIT.rolloutTimeout,
          suggestions: [
            `kubectl describe pods -n ${namespace}`,
            `logtap untap --session ${result.session} -n ${namespace}`,
          ],
        });
      }
      return result;
    } catch (err) {
      if ((err as { oclif?: unknown }).oclif) throw err;
      const f = describeFailure(err, { namespace });
      this.error(f.message, { exit: f.exit, suggestions: f.suggestions });
    }
  }
}
