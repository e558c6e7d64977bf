import * as Flags from '@oclif/core/flags';

// The flags of `logtap recv --in-cluster` (see in-cluster.ts). Kept apart from commands/recv.ts, which
// spreads them into its flags; like that file, this one imports only @oclif/core (it loads for --help).

export const inClusterFlags = {
  'in-cluster': Flags.boolean({
    summary:
      'Run the receiver in the Kubernetes cluster instead (a Pod + Service); copy its capture back to --dir when recv stops.',
    description:
      'Creates the namespace (if missing), a Service and a Pod labelled app.kubernetes.io/managed-by=logtap running `logtap recv --headless` with the size flags given here; waits until it is ready; forwards --listen to it through the API server (push to it or scrape /metrics there); prints the in-cluster target for `logtap tap`; in a terminal shows the live view (counters, top talkers, newest lines) polled from the pod through the port-forward, with --headless prints progress from its /metrics instead. q or Ctrl-C in the view, Ctrl-C, SIGTERM or --ttl stop the receiver gracefully, copy the capture into --dir (which must be empty) and delete what was created. If the copy fails the pod is kept and the way to fetch the capture is printed. --tls-cert/--tls-key and --redact-patterns (local files) are not supported with --in-cluster.',
    default: false,
  }),
  namespace: Flags.string({
    char: 'n',
    summary: '--in-cluster: namespace of the receiver (created if missing, and then deleted at the end).',
    default: 'logtap',
    helpValue: 'NS',
  }),
  image: Flags.string({
    summary: '--in-cluster: receiver image (default ghcr.io/logtap/logtap:<this version>).',
    helpValue: 'IMAGE',
  }),
  ttl: Flags.string({
    summary:
      '--in-cluster: stop, copy back and clean up after this long; the cluster ends the pod 10 minutes later even if recv was killed.',
    default: '4h',
    helpValue: 'DURATION',
  }),
  context: Flags.string({
    summary: '--in-cluster: kubeconfig context (default: the current context).',
    helpValue: 'NAME',
  }),
  kubeconfig: Flags.string({
    summary: '--in-cluster: kubeconfig file (default: every file in $KUBECONFIG, else ~/.kube/config).',
    helpValue: 'FILE',
  }),
};

/** The values of {@link inClusterFlags} as oclif hands them over. */
export interface InClusterFlagValues {
  'in-cluster': boolean;
  namespace: string;
  image?: string | undefined;
  ttl: string;
  context?: string | undefined;
  kubeconfig?: string | undefined;
}
