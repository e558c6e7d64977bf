import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

// `logtap inspect` must be instant (docs/capture-tools.md): its start-up is mostly module loading, so
// these tests pin which modules a run loads instead of timing it. Each forbidden entry below was once
// loaded and cost start-up time; an import that brings one back fails here, naming it.

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const preload = fileURLToPath(new URL('./module-log/register.mjs', import.meta.url));

/** Modules a command that only reads a capture's index must not load, with what they cost or are for. */
const FORBIDDEN: Array<[string, RegExp]> = [
  ['zod (~95 modules, ~30 ms; the read path checks by hand, @logtap/capture/read)', /[\\/]zod[\\/]/],
  [
    "@oclif/core's barrel (loads every subsystem; commands import subpaths)",
    /@oclif[\\/]core[\\/]lib[\\/]index\.js$/,
  ],
  ['semver (the barrel’s engine check)', /[\\/]semver[\\/]/],
  [
    'the capture writer',
    /capture[\\/]dist[\\/](writer|writer-core|writer-open|writer-worker|core-host|recovery)\.js$/,
  ],
  ['the zod schemas of @logtap/capture', /capture[\\/]dist[\\/]schema\.js$/],
  ['re2js (loaded on the first regex compile)', /[\\/]re2js[\\/]/],
  ['apache-arrow (export)', /[\\/]apache-arrow[\\/]/],
  ['parquet-wasm (export)', /[\\/]parquet-wasm[\\/]/],
  ['@logtap/tui', /(packages|@logtap)[\\/]tui[\\/]/],
  ['@logtap/triage', /(packages|@logtap)[\\/]triage[\\/]/],
  ['@logtap/receiver', /(packages|@logtap)[\\/]receiver[\\/]/],
  ['@logtap/k8s and the Kubernetes client', /((packages|@logtap)[\\/]k8s[\\/])|@kubernetes/],
];

let root: string;
let capture: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'logtap-startup-'));
  capture = path.join(root, 'capture');
  // A capture as inspect sees it: metadata, an index with labels and frame tables, the data files (empty:
  // inspect never decompresses an indexed file).
  const lines: string[] = [];
  mkdirSync(capture, { mode: 0o700 });
  for (let f = 0; f < 3; f++) {
    const file = `2024-01-15T10${f}000-000.jsonl.zst`;
    const from = Date.UTC(2024, 0, 15, 10, f * 10);
    const frames = [0, 1].map((i) => ({
      offset: i * 100,
      length: 100,
      from: new Date(from + i * 60_000).toISOString(),
      to: new Date(from + (i + 1) * 60_000).toISOString(),
      lines: 50,
      bytes: 4096,
    }));
    lines.push(
      JSON.stringify({
        file,
        from: frames[0]!.from,
        to: frames[1]!.to,
        lines: 100,
        bytes: 8192,
        compressed_bytes: 200,
        labels: { app: { api: 60, web: 40 } },
        frames,
      }),
    );
    writeFileSync(path.join(capture, file), '');
  }
  writeFileSync(path.join(capture, 'index.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(
    path.join(capture, 'metadata.json'),
    JSON.stringify({
      version: 1,
      state: 'stopped',
      started: '2024-01-15T10:00:00Z',
      stopped: '2024-01-15T10:30:00Z',
    }),
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs the CLI with the module log preloaded; its stdout and every module it loaded. */
async function modulesOf(args: string[], name: string): Promise<{ stdout: string; modules: string[] }> {
  const log = path.join(root, `${name}.modules`);
  const env: NodeJS.ProcessEnv = { ...process.env, LOGTAP_MODULE_LOG: log };
  // jest's --experimental-vm-modules is not for the child.
  delete env['NODE_OPTIONS'];
  const { stdout } = await run(process.execPath, ['--import', preload, bin, ...args], { env });
  const modules = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('file:') ? fileURLToPath(l) : l));
  return { stdout, modules };
}

function expectNoneOf(modules: string[], forbidden: Array<[string, RegExp]>): void {
  const found = forbidden.flatMap(([what, re]) => {
    const hit = modules.find((m) => re.test(m));
    return hit === undefined ? [] : [`${what}: ${hit}`];
  });
  expect(found).toEqual([]);
}

const commandFiles = (modules: string[]) =>
  modules.filter((m) => /[\\/]dist[\\/]commands[\\/]/.test(m)).map((m) => path.basename(m));

describe('start-up: what a command loads', () => {
  test('logtap inspect --json loads the read side of @logtap/capture and nothing heavier', async () => {
    const { stdout, modules } = await modulesOf(['inspect', capture, '--json'], 'inspect');
    expect(JSON.parse(stdout)).toMatchObject({ schema: 'logtap.inspect/v1', lines: 300 });
    // The log works: it saw oclif, the command and the capture reader.
    expect(modules.some((m) => /@oclif[\\/]core[\\/]lib[\\/]command\.js$/.test(m))).toBe(true);
    expect(modules.some((m) => /capture[\\/]dist[\\/]read\.js$/.test(m))).toBe(true);
    // oclif found the command in the manifest: no other command file was imported.
    expect(commandFiles(modules)).toEqual(['inspect.js']);
    expectNoneOf(modules, FORBIDDEN);
  });

  test('logtap grep loads neither the TUI, Arrow nor the capture writer', async () => {
    // A small capture of its own with real data (the one above has empty data files): one file a crash
    // left unindexed, so the reader's general path runs too.
    const dir = path.join(root, 'grep-capture');
    mkdirSync(dir, { mode: 0o700 });
    const data = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({
        ts: `2024-01-15T10:00:${String(i).padStart(2, '0')}.000000000Z`,
        labels: { app: i % 2 ? 'api' : 'web' },
        msg: `request ${i} ${i % 5 ? 'ok' : 'ERROR upstream'}`,
      }),
    ).join('\n');
    execFileSync('zstd', ['-q', '-o', path.join(dir, '2024-01-15T100000-000.jsonl.zst')], {
      input: `${data}\n`,
    });
    writeFileSync(
      path.join(dir, 'metadata.json'),
      JSON.stringify({ version: 1, state: 'stopped', started: '2024-01-15T10:00:00Z' }),
    );
    const { stdout, modules } = await modulesOf(['grep', 'ERROR \\w+', dir], 'grep');
    expect(stdout.trim().split('\n')).toHaveLength(4);
    expect(stdout).toMatch(/web +request 0 ERROR upstream/);
    expect(commandFiles(modules)).toEqual(['grep.js']);
    expect(modules.some((m) => /tui[\\/]dist[\\/]service\.js$/.test(m))).toBe(true);
    const forbidden = FORBIDDEN.filter(([what]) => !what.startsWith('re2js') && what !== '@logtap/tui');
    expectNoneOf(modules, [
      ...forbidden,
      [
        'the @logtap/tui barrel (grep needs only serviceOf: @logtap/tui/service)',
        /tui[\\/]dist[\\/]index\.js$/,
      ],
      ['neo-blessed (the TUI)', /[\\/]neo-blessed[\\/]/],
    ]);
  });

  test('logtap inspect --help and logtap --version import no command and no library', async () => {
    for (const args of [['inspect', '--help'], ['--version'], ['--help']]) {
      const { modules } = await modulesOf(args, args.join('_').replace(/-/g, ''));
      expect(commandFiles(modules)).toEqual([]);
      expectNoneOf(modules, [...FORBIDDEN, ['@logtap/capture', /(packages|@logtap)[\\/]capture[\\/]/]]);
    }
  });
});
