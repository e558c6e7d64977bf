import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter } from '@logtap/capture';

export const T0 = 1_772_721_125_000_000_000n; // 2026-03-05T14:32:05Z
const SERVICES = ['api', 'worker', 'db'];

/** `n` entries, one every `stepMs` of capture time, cycling through three services; every 17th an error. */
export function sampleEntries(
  n: number,
  stepMs = 100,
): Array<{ ts: bigint; labels: Record<string, string>; msg: string }> {
  return Array.from({ length: n }, (_, i) => ({
    ts: T0 + BigInt(i) * BigInt(stepMs) * 1_000_000n,
    labels: { app: SERVICES[i % 3]!, pod: `${SERVICES[i % 3]}-0` },
    msg: i % 17 === 0 ? `ERROR job ${i} failed` : `job ${i} ok`,
  }));
}

/** Writes a closed capture of the entries into a new temporary directory. */
export async function makeCapture(
  entries: ReturnType<typeof sampleEntries>,
  opts: { maxFileBytes?: number } = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'logtap-open-'));
  const cap = join(dir, 'capture');
  const w = await CaptureWriter.open(cap, { worker: false, ...opts });
  for (let i = 0; i < entries.length; i += 500) {
    while (!w.append(entries.slice(i, i + 500))) await w.flush();
  }
  await w.close();
  return cap;
}

export async function removeCapture(dir: string): Promise<void> {
  await rm(join(dir, '..'), { recursive: true, force: true });
}
