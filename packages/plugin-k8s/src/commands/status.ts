import type { StatusReport } from '@logtap/k8s';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { describeFailure } from '../failure.js';
import { kubeFlags } from '../flags.js';

export default class Status extends Command {
  static override summary = 'Show tapped workloads, sessions, pods forwarding, and the receivers’ counters.';

  static override description =
    `For every tapped workload: its sessions and targets, and how many of its pods run a ready forwarder out of the pods its selector matches (matchLabels and matchExpressions). Per session: workloads, pods forwarding, whether its Role exists. Per receiver target: lines received, lines dropped (by reason) and disk usage from its /metrics.

The targets are addresses as the pods see them; from your machine a cluster-internal name usually does not resolve. Then pass --metrics-url with a port-forward (kubectl port-forward -n logtap svc/logtap-receiver 3100) or use --no-metrics.

Exit codes: 0 shown; 3 no cluster configured or reachable; 6 forbidden; 1 unexpected error. An unreachable receiver is reported, not an error.`;

  static override examples = [
    { description: 'Status of the current namespace', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Every namespace, one session, receiver through a port-forward',
      command:
        '<%= config.bin %> <%= command.id %> -A --session lt-3f9a0c2d1e4b5a69 --metrics-url http://127.0.0.1:3100',
    },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    'all-namespaces': Flags.boolean({ char: 'A', summary: 'Every namespace.' }),
    session: Flags.string({ summary: 'Only this session.', helpValue: 'ID' }),
    'metrics-url': Flags.string({
      summary: "Scrape this receiver URL's /metrics instead of each target.",
      helpValue: 'URL',
    }),
    metrics: Flags.boolean({ summary: 'Scrape the receivers’ /metrics.', default: true, allowNo: true }),
    ...kubeFlags,
  };

  async run(): Promise<StatusReport> {
    const { flags } = await this.parse(Status);
    const k8s = await import('@logtap/k8s');
    const { connect } = await import('../connect.js');
    const render = await import('../render.js');
    try {
      const client = connect(flags);
      const report = await k8s.status(client, {
        namespace: flags['all-namespaces'] ? undefined : client.connection.namespace,
        ...(flags.session !== undefined ? { session: flags.session } : {}),
        probeReceivers: flags.metrics,
        ...(flags['metrics-url'] !== undefined ? { metricsUrl: flags['metrics-url'] } : {}),
      });
      if (!this.jsonEnabled()) this.log(render.renderStatus(report));
      return report;
    } catch (err) {
      const f = describeFailure(err, { namespace: flags.namespace });
      this.error(f.message, { exit: f.exit, suggestions: f.suggestions });
    }
  }
}
