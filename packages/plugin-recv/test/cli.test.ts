import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { readEntries } from '@logtap/capture';
import { type RunningRecv, removeDir, runCli, startRecv, tempDir, waitFor } from './helpers.js';

const dirs: string[] = [];
const procs: RunningRecv[] = [];
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const p of procs.splice(0))
    if (p.proc.exitCode === null && p.proc.signalCode === null) await p.stop('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});
async function recv(d: string, args: string[] = []): Promise<RunningRecv> {
  const r = await startRecv(d, ['--progress-interval', '0', ...args]);
  procs.push(r);
  return r;
}

async function pushJson(
  url: string,
  lines: string[],
  labels: Record<string, string> = { app: 'cli' },
  headers = {},
) {
  const values = lines.map((line, i) => [String(1767323045000000000n + BigInt(i)), line]);
  return fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ streams: [{ stream: labels, values }] }),
  });
}

/** oclif wraps error messages to the terminal width behind " ›   "; undo that. */
function oneLine(text: string): string {
  return text.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ');
}

describe('recv --help', () => {
  test('documents every flag, the size units, the exit codes and the curl example, quickly', async () => {
    const res = await runCli(['recv', '--help']);
    expect(res.code).toBe(0);
    // oclif wraps help to the terminal width; compare with whitespace collapsed.
    res.stdout = res.stdout.replace(/\s+/g, ' ');
    for (const flag of [
      '--listen',
      '--dir',
      '--max-file ',
      '--max-file-age',
      '--max-disk',
      '--min-free',
      '--buffer',
      '--on-full',
      '--max-body',
      '--max-line',
      '--headless',
      '--tls-cert',
      '--tls-key',
      '--auth-token',
      '--redact',
      '--redact-patterns',
      '--[no-]redact-labels',
      '--redact-hash-key-file',
      '--redact-threads',
      '--zstd-level',
      '--progress-interval',
      '--json',
    ]) {
      expect(res.stdout).toContain(flag);
    }
    expect(res.stdout).toContain('KiB, MiB, GiB, TiB (and Ki, Mi, Gi, Ti) as powers of 1024');
    expect(res.stdout).toMatch(/Exit codes: 0 stopped cleanly; 1 .* 2 invalid flag value; 3 cannot listen/);
    expect(res.stdout).toContain('curl -sS -H');
    // The target is < 400 ms on an idle machine; the bound here leaves room for a loaded CI box.
    expect(res.ms).toBeLessThan(3000);
  });
});

describe('flag errors', () => {
  test.each([
    [['--max-disk', '12XB'], /Invalid value for --max-disk: "12XB"\. Expected a size such as 512MiB/],
    [['--listen', 'nowhere'], /Invalid value for --listen: "nowhere"\. Expected HOST:PORT/],
    [['--max-file-age', 'soon'], /Invalid value for --max-file-age: "soon"\. Expected a duration/],
    [['--on-full', 'block'], /--on-full/],
    [['--max-file', '2GB', '--max-disk', '1GB'], /It must be smaller than --max-disk/],
    [['--tls-cert', 'x.pem'], /tls-key/],
  ])('%j exits 2 with a message naming the flag', async (args, message) => {
    const res = await runCli(['recv', '--dir', dir(), ...args]);
    expect(res.code).toBe(2);
    expect(oneLine(res.stderr)).toMatch(message);
  });
});

describe('start-up failures have their exit codes', () => {
  test('a port in use exits 3', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const res = await runCli(['recv', '--dir', dir(), '--listen', `127.0.0.1:${port}`]);
    blocker.close();
    expect(res.code).toBe(3);
    expect(oneLine(res.stderr)).toContain('already in use');
    expect(oneLine(res.stderr)).toContain('--listen');
  });

  test('a capture directory that is a file exits 4', async () => {
    const d = dir();
    const file = join(d, 'not-a-dir');
    writeFileSync(file, 'x');
    const res = await runCli(['recv', '--dir', file, '--listen', '127.0.0.1:0']);
    expect(res.code).toBe(4);
    expect(oneLine(res.stderr)).toContain(file);
  });

  test('an unreadable TLS file exits 5', async () => {
    const res = await runCli([
      'recv',
      '--dir',
      dir(),
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      '/nonexistent/c.pem',
      '--tls-key',
      '/nonexistent/k.pem',
    ]);
    expect(res.code).toBe(5);
    expect(oneLine(res.stderr)).toContain('--tls-cert /nonexistent/c.pem');
  });

  test('an unknown redaction rule exits 6', async () => {
    const res = await runCli([
      'recv',
      '--dir',
      dir(),
      '--listen',
      '127.0.0.1:0',
      '--redact=email,nosuchrule',
    ]);
    expect(res.code).toBe(6);
    expect(oneLine(res.stderr)).toContain('nosuchrule');
  });
});

describe('running', () => {
  test('--json prints the final summary on stdout; the capture holds the lines; metadata has the counters', async () => {
    const d = dir();
    const r = await recv(d, ['--json']);
    expect((await pushJson(r.url, ['a', 'b', 'c'])).status).toBe(204);
    const exit = await r.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const summary = JSON.parse(exit.stdout);
    expect(summary).toMatchObject({
      dir: d,
      linesReceived: 3,
      linesWritten: 3,
      linesDropped: 0,
      redaction: { enabled: false },
    });
    const msgs = [];
    for await (const e of readEntries(d)) msgs.push(e.msg);
    expect(msgs).toEqual(['a', 'b', 'c']);
    const metadata = JSON.parse(readFileSync(join(d, 'metadata.json'), 'utf8'));
    expect(JSON.stringify(metadata)).toContain('lines_dropped.queue_full');
  });

  test('progress lines are printed every --progress-interval', async () => {
    const d = dir();
    const r = await startRecv(d, ['--progress-interval', '200ms']);
    procs.push(r);
    await pushJson(r.url, ['x']);
    // The writer reports progress about once a second; wait for a line that shows the write.
    await waitFor(() => /progress .*written=1 /.test(r.stderr()), 5000, 'a progress line with written=1');
    const exit = await r.stop();
    const progress = exit.stderr.split('\n').filter((l) => l.startsWith('logtap recv: progress '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(
      /received=1 written=1 dropped=0 .* queue=\S+ queue_pct=\d+ disk=\S+ .* redaction=off/,
    );
  });

  test('a non-loopback bind without TLS or token warns; the token is read from LOGTAP_AUTH_TOKEN', async () => {
    const d = dir();
    process.env['LOGTAP_AUTH_TOKEN'] = 'tok-123';
    let r: RunningRecv;
    try {
      r = await recv(d, ['--listen', '0.0.0.0:0']);
    } finally {
      delete process.env['LOGTAP_AUTH_TOKEN'];
    }
    await waitFor(() => r.stderr().includes('warning:'), 5000, 'the warning');
    expect(r.stderr()).toContain('warning: listening on 0.0.0.0, reachable from other machines, without TLS');
    expect(r.stderr()).not.toContain('without a token');
    expect(r.stderr()).toContain('auth=bearer');
    const url = r.url.replace('0.0.0.0', '127.0.0.1');
    expect((await pushJson(url, ['x'])).status).toBe(401);
    expect((await pushJson(url, ['x'], { app: 'a' }, { Authorization: 'Bearer tok-123' })).status).toBe(204);
  });

  test('a second signal exits at once with 130 and the capture is still readable afterwards', async () => {
    const d = dir();
    const r = await recv(d);
    expect((await pushJson(r.url, ['before'])).status).toBe(204);
    await new Promise((res) => setTimeout(res, 1200)); // at least one flush
    // A push whose body never completes keeps the graceful drain waiting, so the second signal lands
    // during the drain (two signals sent back to back would be coalesced by the kernel).
    const { request } = await import('node:http');
    const stuck = request(`${r.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
    });
    stuck.on('error', () => undefined);
    stuck.write('{"streams":');
    await new Promise((res) => setTimeout(res, 100));
    r.proc.kill('SIGINT');
    await waitFor(() => r.stderr().includes('draining'), 5000, 'the drain to start');
    r.proc.kill('SIGINT');
    const exit = await r.exited;
    stuck.destroy();
    expect(exit.code).toBe(130);
    expect(exit.stderr).toContain('again: exiting now');
    // The next recv recovers the directory; the line flushed before the signals is there.
    const again = await recv(d);
    expect((await pushJson(again.url, ['after'])).status).toBe(204);
    expect((await again.stop()).code).toBe(0);
    const msgs = [];
    for await (const e of readEntries(d)) msgs.push(e.msg);
    expect(msgs).toEqual(['before', 'after']);
  });
});

describe('--redact', () => {
  const secret =
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
  const email = 'jane.doe@example.com';

  test.each([
    [['--redact'], 'a bare --redact before another flag'],
    [['--redact=email,jwt'], '--redact=LIST'],
    [['--redact', 'email,jwt'], '--redact LIST'],
  ])('%j (%s): secrets pushed in are absent from every file of the capture', async (args) => {
    const d = dir();
    // The flag goes first so that a bare --redact is followed by --dir, the original's broken form.
    const r = await startRecv(d, [...args, '--progress-interval', '0']);
    procs.push(r);
    expect(r.stderr()).toMatch(/redaction=on\(rules=\d+,labels=on\)/);
    const res = await pushJson(r.url, [`login ok for ${email} token ${secret}`], {
      app: 'redact',
      owner: email,
    });
    expect(res.status).toBe(204);
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(/logtap_redactions_total\{rule="email"\} 2/);
    expect(metrics).toMatch(/logtap_redactions_total\{rule="jwt"\} 1/);
    const exit = await r.stop();
    expect(exit.code).toBe(0);
    const entries = [];
    for await (const e of readEntries(d)) entries.push(e);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.msg).toContain('[REDACTED:email]');
    expect(entries[0]!.msg).toContain('[REDACTED:jwt]');
    expect(entries[0]!.labels['owner']).toBe('[REDACTED:email]');
    // Not in any file, compressed or not: decompress every data file and grep everything.
    const { execFileSync } = await import('node:child_process');
    for (const name of readdirSync(d)) {
      const file = join(d, name);
      const raw = readFileSync(file);
      const text = name.endsWith('.zst')
        ? execFileSync('zstd', ['-dcq', file]).toString('utf8')
        : raw.toString('utf8');
      expect(text).not.toContain(email);
      expect(text).not.toContain(secret.slice(0, 30));
    }
    const metadata = readFileSync(join(d, 'metadata.json'), 'utf8');
    expect(metadata).toMatch(/"redaction"/);
    expect(metadata).toMatch(/"email"/);
  });

  test('--no-redact-labels keeps label values', async () => {
    const d = dir();
    const r = await recv(d, ['--redact=email', '--no-redact-labels']);
    expect(r.stderr()).toContain('labels=off');
    await pushJson(r.url, [`mail ${email}`], { app: 'x', owner: email });
    await r.stop();
    const entries = [];
    for await (const e of readEntries(d)) entries.push(e);
    expect(entries[0]).toMatchObject({ msg: 'mail [REDACTED:email]', labels: { owner: email } });
  });

  test('--redact-hash-key-file: equal values get equal keyed tags; an unreadable key file exits 6', async () => {
    const d = dir();
    const keyFile = join(d, '..', `${d.split('/').at(-1)}-key`);
    writeFileSync(keyFile, 'a-secret-key-of-32-bytes-for-tests\n');
    dirs.push(keyFile);
    const r = await recv(d, ['--redact=email', '--redact-hash-key-file', keyFile]);
    await pushJson(r.url, [`from ${email}`, `to ${email}`, 'cc other@example.org']);
    expect((await r.stop()).code).toBe(0);
    const entries = [];
    for await (const e of readEntries(d)) entries.push(e);
    const tags = entries.map((e) => /\[REDACTED:email:([0-9a-f]{8})\]/.exec(e.msg)?.[1]);
    expect(tags[0]).toBeDefined();
    expect(tags[1]).toBe(tags[0]);
    expect(tags[2]).not.toBe(tags[0]);
    const missing = await runCli([
      'recv',
      '--dir',
      dir(),
      '--redact',
      '--redact-hash-key-file',
      join(d, 'nope'),
    ]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('--redact-hash-key-file');
  });

  test('--redact-patterns adds custom rules from a file', async () => {
    const d = dir();
    const patterns = join(d, '..', `${d.split('/').at(-1)}-patterns.yaml`);
    writeFileSync(patterns, '- name: order_id\n  pattern: "ORD-[0-9]{6}"\n');
    dirs.push(patterns);
    const r = await recv(d, ['--redact-patterns', patterns]);
    await pushJson(r.url, ['order ORD-123456 paid']);
    await r.stop();
    const entries = [];
    for await (const e of readEntries(d)) entries.push(e);
    expect(entries[0]!.msg).toBe('order [REDACTED:order_id] paid');
  });
});
