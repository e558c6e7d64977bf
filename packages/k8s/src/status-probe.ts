import { probeReceiver, type ReceiverProbe } from './metrics.js';

export interface ProbeOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Probes each target's /metrics concurrently. */
export async function probeAll(
  targets: readonly string[],
  opts: ProbeOptions = {},
): Promise<(ReceiverProbe & { target: string })[]> {
  return Promise.all(targets.map(async (target) => ({ target, ...(await probeReceiver(target, opts)) })));
}
