// Ingest throughput of `logtap recv` with the live TUI attached (in tmux, 120x40) against --headless,
// same load, same machine, alternating runs: the TUI must cost at most ~10 %.
//   pnpm --filter @logtap/tui bench:ingest-tui [seconds=15] [connections=4] [rounds=2] [--redact]
// --redact runs both modes with `recv --redact` (every rule, in the redaction threads).
// --cli=<path to apps/cli/bin/run.js> runs another checkout's logtap (A/B against an older commit).
// Besides lines/s it reports the receiver process's CPU time over the measured window (all its threads,
// from /proc/<pid>/stat) per million lines: on a shared machine that is steadier than the rate.
// Load: back-to-back 1 MiB-class Loki protobuf+snappy pushes built from the loghub corpus with 50 pod
// label sets (like the receiver's ingest benchmark); the rate is lines written per second, read from
// the receiver's /metrics over the measured window.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePushProtobuf } from '@logtap/protocol';
import { TmuxSession } from '../dist/testing/index.js';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(positional[0] ?? 15);
const connections = Number(positional[1] ?? 4);
const rounds = Number(positional[2] ?? 2);
const redact = flags.includes('--redact');
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = flags.find((f) => f.startsWith('--cli='))?.slice(6) ?? join(repo, 'apps', 'cli', 'bin', 'run.js');
const corpus = join(repo, '..', 'shared', 'corpus', 'loghub');

// ---- payload: ~1 MiB of lines per push, 50 label sets ----
const lines = readdirSync(corpus)
  .filter((d) => statSync(join(corpus, d)).isDirectory())
  .flatMap((d) =>
    readFileSync(join(corpus, d, `${d}_2k.log`), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
const bodies = [];
let lineCursor = 0;
for (let b = 0; b < 16; b++) {
  const streams = [];
  let bytes = 0;
  for (let s = 0; s < 50 && bytes < 1 << 20; s++) {
    const entries = [];
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let k = 0; k < 120; k++) {
      const line = lines[lineCursor++ % lines.length];
      bytes += line.length;
      entries.push({ ts: now + BigInt(k), line });
    }
    streams.push({ labels: { app: `svc-${s % 10}`, pod: `svc-${s % 10}-${s}`, namespace: 'load' }, entries });
  }
  bodies.push({
    body: encodePushProtobuf(streams),
    lines: streams.reduce((a, s) => a + s.entries.length, 0),
  });
}

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function written(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^logtap_lines_written_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/** The pid of the process whose command line holds `marker` (the capture dir is unique per run). */
function findPid(marker) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.includes(marker) && cmd.some((a) => a.endsWith('run.js'))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** CPU seconds (user + system, every thread) of a process so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function waitReady(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`recv at ${url} did not become ready`);
}

async function load(url, ms) {
  const end = Date.now() + ms;
  let i = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) {
        const { body } = bodies[i++ % bodies.length];
        const res = await fetch(`${url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
      }
    }),
  );
}

async function run(mode) {
  const dir = join(await mkdtemp(join(tmpdir(), 'logtap-ingest-tui-')), 'capture');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const recvArgs = ['recv', '--listen', `127.0.0.1:${port}`, '--dir', dir, '--max-disk', '50GiB'];
  if (redact) recvArgs.push('--redact');
  let stop;
  if (mode === 'headless') {
    const proc = spawn(process.execPath, [cli, ...recvArgs, '--headless', '--progress-interval', '0'], {
      stdio: 'ignore',
    });
    const exited = new Promise((r) => proc.on('exit', r));
    stop = async () => {
      proc.kill('SIGINT');
      await exited;
    };
  } else {
    const t = await TmuxSession.start({ command: `node ${cli} ${recvArgs.join(' ')}`, cols: 120, rows: 40 });
    stop = async () => {
      const screen = await t.capture();
      if (!screen.includes('Top talkers')) throw new Error(`the TUI is not showing:\n${screen}`);
      await t.keys('q');
      await t.waitForExit({ timeoutMs: 60_000 });
      await t.kill();
    };
  }
  await waitReady(url);
  await load(url, 2000); // warm-up
  const pid = findPid(dir);
  const w0 = await written(url);
  const c0 = pid === undefined ? Number.NaN : cpuSeconds(pid);
  const t0 = performance.now();
  await load(url, seconds * 1000);
  const w1 = await written(url);
  const c1 = pid === undefined ? Number.NaN : cpuSeconds(pid);
  const rate = (w1 - w0) / ((performance.now() - t0) / 1000);
  await stop();
  rmSync(join(dir, '..'), { recursive: true, force: true });
  return { rate, cpuPerM: ((c1 - c0) / (w1 - w0)) * 1e6 };
}

const results = { headless: [], tui: [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 ? ['tui', 'headless'] : ['headless', 'tui']) {
    const res = await run(mode);
    results[mode].push(res);
    console.log(
      `round ${r + 1} ${mode.padEnd(8)} ${(res.rate / 1000).toFixed(0)}k lines/s written, recv CPU ${res.cpuPerM.toFixed(2)} s per M lines`,
    );
  }
}
const avg = (a, f) => a.reduce((x, y) => x + f(y), 0) / a.length;
const h = avg(results.headless, (x) => x.rate);
const t = avg(results.tui, (x) => x.rate);
const hc = avg(results.headless, (x) => x.cpuPerM);
const tc = avg(results.tui, (x) => x.cpuPerM);
console.log(
  `${redact ? '--redact: ' : ''}headless ${(h / 1000).toFixed(0)}k lines/s, with the TUI attached ${(t / 1000).toFixed(0)}k lines/s: ${(((t - h) / h) * 100).toFixed(1)} %; recv CPU ${hc.toFixed(2)} vs ${tc.toFixed(2)} s per M lines: ${(((tc - hc) / hc) * 100).toFixed(1)} % (${seconds} s x ${rounds} rounds, ${connections} connections)`,
);
