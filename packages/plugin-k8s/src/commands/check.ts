import type { CheckReport } from '@logtap/k8s';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { describeFailure, EXIT } from '../failure.js';
import { DEFAULT_CPU, DEFAULT_MEMORY, kubeFlags } from '../flags.js';

export default class Check extends Command {
  static override summary =
    'Check the cluster for logtap: version, permissions, quota headroom, leftovers, candidates.';

  static override description =
    `Reports the server version and context; asks the API server (SelfSubjectAccessReview) for every permission tap, untap, status and the in-cluster receiver need; compares ResourceQuotas of the namespace with what forwarders on the candidate workloads would add; finds leftovers in every namespace (tapped workloads, stale logtap annotations, logtap RBAC whose session no workload carries, receivers labelled app.kubernetes.io/managed-by=logtap); and lists the workloads that could be tapped.

An active tap counts as a leftover, so running check after untap proves the cluster is clean.

Exit codes: 0 all clear; 10 leftovers found; 11 missing permissions; 12 both; 3 no cluster configured or reachable; 1 unexpected error.`;

  static override examples = [
    {
      description: 'Check the current context and namespace',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'As JSON, for CI after a load test',
      command: '<%= config.bin %> <%= command.id %> -n shop --json',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    ...kubeFlags,
    'sidecar-cpu': Flags.string({
      summary: 'Forwarder CPU request used for the quota headroom.',
      default: DEFAULT_CPU,
      helpValue: 'QUANTITY',
    }),
    'sidecar-memory': Flags.string({
      summary: 'Forwarder memory request used for the quota headroom.',
      default: DEFAULT_MEMORY,
      helpValue: 'QUANTITY',
    }),
    'receiver-namespace': Flags.string({
      summary: 'Namespace of the in-cluster receiver (recv --in-cluster).',
      default: 'logtap',
      helpValue: 'NAME',
    }),
    'namespace-only': Flags.boolean({
      summary: 'Look for leftovers in the namespace only, not cluster-wide.',
    }),
    ...kubeFlags,
  };

  async run(): Promise<CheckReport> {
    const { flags } = await this.parse(Check);
    const k8s = await import('@logtap/k8s');
    const { connect } = await import('../connect.js');
    const render = await import('../render.js');
    let report: CheckReport;
    try {
      const client = connect(flags);
      report = await k8s.check(client, {
        namespace: client.connection.namespace,
        receiverNamespace: flags['receiver-namespace'],
        sidecar: { cpu: flags['sidecar-cpu'], memory: flags['sidecar-memory'] },
        allNamespaces: !flags['namespace-only'],
      });
    } catch (err) {
      const f = describeFailure(err, { namespace: flags.namespace });
      this.error(f.message, { exit: f.exit, suggestions: f.suggestions });
    }
    if (this.jsonEnabled()) {
      // With --json the report is the output; the exit code still tells CI what was found.
      const code = exitCode(report);
      if (code !== 0) process.exitCode = code;
      return report;
    }
    this.log(render.renderCheck(report));
    const code = exitCode(report);
    if (code !== 0) this.exit(code);
    return report;
  }
}

function exitCode(r: CheckReport): number {
  const left = r.problems.leftovers > 0;
  const perms = r.problems.missingPermissions > 0;
  return left && perms
    ? EXIT.leftoversAndPermissions
    : left
      ? EXIT.leftovers
      : perms
        ? EXIT.missingPermissions
        : EXIT.ok;
}
