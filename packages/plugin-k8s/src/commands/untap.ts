import type { UntapResult } from '@logtap/k8s';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { describeFailure, EXIT_CODES_HELP, UsageError } from '../failure.js';
import { kubeFlags, namedWorkloads, workloadFlags } from '../flags.js';

export default class Untap extends Command {
  static override summary = 'Remove what logtap tap added and restore the workloads exactly as they were.';

  static override description =
    `Removes the forwarder containers and logtap annotations from the selected workloads and restores every value tap changed (for example your own service-mesh port lists) from logtap.dev/original. A session's Role and RoleBinding are deleted once no workload of the namespace carries the session.

Select workloads by name, by -l/--selector, or --all; --session removes only that session (on the selected workloads, or on every workload of the namespace when none are selected). -A/--all-namespaces works with --all and --session. Untap is idempotent: running it again, or on a workload that is not tapped, changes nothing. Changes are guarded JSON Patches retried on conflict, like tap.

${EXIT_CODES_HELP}`;

  static override examples = [
    {
      description: 'Untap one Deployment (every session on it)',
      command: '<%= config.bin %> <%= command.id %> --deployment api-gateway',
    },
    {
      description: 'End one session wherever it is in the namespace',
      command: '<%= config.bin %> <%= command.id %> --session lt-3f9a0c2d1e4b5a69 -n shop',
    },
    {
      description: 'Preview removing every tap in the namespace',
      command: '<%= config.bin %> <%= command.id %> --all --dry-run',
    },
    { description: 'Clean up every namespace', command: '<%= config.bin %> <%= command.id %> --all -A' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    ...workloadFlags,
    all: Flags.boolean({ summary: 'Every tapped workload of the namespace (with -A: of the cluster).' }),
    session: Flags.string({ summary: 'Remove only this session.', helpValue: 'ID' }),
    'all-namespaces': Flags.boolean({
      char: 'A',
      summary: 'With --all or --session: look in every namespace.',
    }),
    'dry-run': Flags.boolean({ summary: 'Print the unified diff of each pod template and change nothing.' }),
    ...kubeFlags,
  };

  async run(): Promise<UntapResult> {
    const { flags } = await this.parse(Untap);
    const named = namedWorkloads(flags);
    let namespace = flags.namespace;
    try {
      const modes = [named.length > 0, flags.selector !== undefined, flags.all].filter(Boolean).length;
      if (modes > 1)
        throw new UsageError(
          'use only one of --deployment/--statefulset/--daemonset, -l/--selector or --all',
        );
      if (modes === 0 && flags.session === undefined) {
        throw new UsageError(
          'say what to untap: --deployment/--statefulset/--daemonset NAME, -l SELECTOR, --session ID or --all',
        );
      }
      if (flags['all-namespaces'] && (named.length > 0 || flags.namespace !== undefined)) {
        throw new UsageError(
          '-A/--all-namespaces goes with --all, -l or --session, not with workload names or -n',
        );
      }
      const k8s = await import('@logtap/k8s');
      const { connect } = await import('../connect.js');
      const render = await import('../render.js');
      const client = connect(flags);
      namespace = flags['all-namespaces'] ? undefined : client.connection.namespace;
      const result = await k8s.untap(client, {
        namespace,
        selection:
          named.length > 0
            ? { by: 'names', workloads: named }
            : flags.selector !== undefined
              ? { by: 'selector', selector: flags.selector }
              : { by: 'all' },
        ...(flags.session !== undefined ? { session: flags.session } : {}),
        dryRun: flags['dry-run'],
        ...(this.jsonEnabled() ? {} : { onProgress: (m: string) => this.logToStderr(`  ${m}`) }),
      });
      if (!this.jsonEnabled()) this.log(render.renderUntap(result, namespace));
      return result;
    } catch (err) {
      if ((err as { oclif?: unknown }).oclif) throw err;
      const f = describeFailure(err, { namespace });
      this.error(f.message, { exit: f.exit, suggestions: f.suggestions });
    }
  }
}
