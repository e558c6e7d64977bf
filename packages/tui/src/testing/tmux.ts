import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A tmux test harness: runs a command in a detached tmux session of a fixed size on a private tmux
 * server, sends keys, and reads the screen back with capture-pane. Used by the end-to-end tests of the
 * views (and of `logtap recv` / `logtap open`) to prove they work in a real terminal.
 */
export interface TmuxOptions {
  /** Shell command line to run (through `sh -c`). */
  command: string;
  cwd?: string;
  /** Extra environment for the command (NCURSES_NO_UTF8_ACS=1 is always set). */
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/** Marker printed after the command exits; the pane stays open so its last output can be read. */
const EXIT_RE = /\[tmux-harness: exited (\d+)\]/;

function tmux(socket: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'tmux',
      ['-L', socket, '-f', '/dev/null', ...args],
      { encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`tmux ${args[0]} failed: ${stderr || err.message}`, { cause: err }));
        else resolve(stdout);
      },
    );
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TmuxSession {
  private constructor(
    readonly socket: string,
    readonly name: string,
  ) {}

  /** Starts `opts.command` in a new detached session (default 120x40). */
  static async start(opts: TmuxOptions): Promise<TmuxSession> {
    const id = randomBytes(4).toString('hex');
    const s = new TmuxSession(`logtap-test-${process.pid}-${id}`, `t${id}`);
    const env = { NCURSES_NO_UTF8_ACS: '1', ...opts.env };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // The shell traps SIGINT (a handler, reset to the default in the command) so that Ctrl+C sent to
    // the pane stops only the command, and the shell goes on to print the exit marker.
    const wrapped = `trap true INT; ${opts.command}; printf '\\n[tmux-harness: exited %d]\\n' $?; exec sleep 3600`;
    await tmux(s.socket, [
      'new-session',
      '-d',
      '-s',
      s.name,
      '-x',
      String(opts.cols ?? 120),
      '-y',
      String(opts.rows ?? 40),
      ...(opts.cwd ? ['-c', opts.cwd] : []),
      ...envArgs,
      'sh',
      '-c',
      wrapped,
    ]);
    return s;
  }

  /** Sends tmux key names (`Enter`, `Escape`, `C-c`, `Space`, `NPage`, `Up`) or single characters. */
  async keys(...keys: string[]): Promise<void> {
    await tmux(this.socket, ['send-keys', '-t', this.name, ...keys]);
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await tmux(this.socket, ['send-keys', '-t', this.name, '-l', text]);
  }

  /** Resizes the window (the program gets SIGWINCH). */
  async resize(cols: number, rows: number): Promise<void> {
    await tmux(this.socket, ['resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows)]);
  }

  /** The visible screen, one line per row. */
  async capture(): Promise<string> {
    return tmux(this.socket, ['capture-pane', '-p', '-t', this.name]);
  }

  /** Polls the screen until `pred` holds; returns that screen, or throws with the last screen shown. */
  async waitFor(pred: (screen: string) => boolean, opts: WaitOptions = {}): Promise<string> {
    const end = Date.now() + (opts.timeoutMs ?? 10_000);
    let screen = '';
    for (;;) {
      screen = await this.capture();
      if (pred(screen)) return screen;
      if (Date.now() > end) {
        throw new Error(`timed out waiting for ${opts.what ?? 'the screen'}; last screen:\n${screen}`);
      }
      await sleep(opts.intervalMs ?? 100);
    }
  }

  /** Waits for the screen to contain `text`. */
  waitForText(text: string, opts: WaitOptions = {}): Promise<string> {
    return this.waitFor((s) => s.includes(text), { what: JSON.stringify(text), ...opts });
  }

  /** Waits for the command to exit; returns its exit code and the final screen. */
  async waitForExit(opts: WaitOptions = {}): Promise<{ code: number; screen: string }> {
    const screen = await this.waitFor((s) => EXIT_RE.test(s), { what: 'the command to exit', ...opts });
    return { code: Number(EXIT_RE.exec(screen)![1]), screen };
  }

  /** Stops the session and its private tmux server. */
  async kill(): Promise<void> {
    await tmux(this.socket, ['kill-server']).catch(() => {
      // Already gone (the server exits with its last session): nothing to clean up.
    });
  }
}

/** Whether tmux is installed (the tests need it; CI installs it). */
export function tmuxAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile('tmux', ['-V'], (err) => resolve(!err)));
}
