/**
 * The parallel scan of `logtap triage` (src/triage/run.ts) with the built worker script: workers started
 * before the job, the shared unit queue, and failures of a worker before and during its job.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { openCapture } from '@logtap/capture';
import { buildFilter } from '../src/filter.js';
import { WorkerFailedError } from '../src/triage/errors.js';
import { DEFAULT_ENGINE } from '../src/triage/pipeline.js';
import { runScan, startScanWorkers } from '../src/triage/run.js';
import { planUnits, type ScanUnit } from '../src/triage/units.js';
import { generateEntries, tempDir, writeCapture } from './triage-fixtures.js';

jest.setTimeout(60_000);

const WORKER = new URL('../dist/triage/worker.js', import.meta.url);

let root: string;
let cleanup: () => Promise<void>;
let units: ScanUnit[];
const dir = () => join(root, 'cap');

beforeAll(async () => {
  const t = await tempDir();
  root = t.dir;
  cleanup = t.rm;
  await writeCapture(dir(), generateEntries({ seed: 3, minutes: 20, perMinute: 300 }));
  const cap = await openCapture(dir());
  units = planUnits(cap, buildFilter(cap, {}), { targetBytes: 64 << 10, fineTailBytes: 128 << 10 });
});

afterAll(async () => {
  await cleanup();
});

const scan = (jobs: number, extra: Partial<Parameters<typeof runScan>[0]> = {}) =>
  runScan({ dir: dir(), units, filter: { labels: [] }, engine: DEFAULT_ENGINE, jobs, ...extra });

describe('runScan', () => {
  it('gives the in-process state with workers started beforehand, and leaves extra workers to close()', async () => {
    expect(units.length).toBeGreaterThan(6);
    const one = await scan(1);
    const workers = startScanWorkers(4, WORKER);
    try {
      const three = await scan(3, { workers });
      expect(three.threads).toBe(3);
      expect(three.lines).toBe(one.lines);
      expect(three.accumulator.snapshot()).toEqual(one.accumulator.snapshot());
    } finally {
      workers.close();
    }
    // Workers it starts itself: the same again.
    const two = await scan(2, { workers: startScanWorkers(1, WORKER) });
    expect(two.accumulator.snapshot()).toEqual(one.accumulator.snapshot());
  });

  it('fails with WorkerFailedError when a worker cannot start or fails on a unit', async () => {
    const broken = join(root, 'broken-worker.mjs');
    await writeFile(broken, "throw new Error('cannot load');\n");
    const early = startScanWorkers(1, new URL(`file://${broken}`));
    // Let the worker die before it is given its job.
    await new Promise((r) => setTimeout(r, 300));
    await expect(scan(2, { workers: early })).rejects.toThrow(WorkerFailedError);
    early.close();

    const failing = join(root, 'failing-worker.mjs');
    await writeFile(
      failing,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.once('message', () => parentPort.postMessage({ type: 'error', name: 'Error', message: 'disk on fire', code: 'EIO' }));\n",
    );
    const during = startScanWorkers(1, new URL(`file://${failing}`));
    const err = await scan(2, { workers: during }).catch((e: unknown) => e);
    during.close();
    expect(err).toBeInstanceOf(WorkerFailedError);
    expect(err).toMatchObject({ code: 'TRIAGE_CMD_WORKER_FAILED', causeCode: 'EIO' });
    expect(String((err as Error).message)).toContain('disk on fire');
  });
});
