import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

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
  /**
   * After the command exits (and the exit marker), run an interactive `sh` in the pane instead of idling,
   * so a test can type a command and see whether the terminal echoes it (see `typeAndRun`).
   */
  shellAfterExit?: boolean;
}

/** The modes tmux tracks for a pane: what a program left behind when it exited. */
export interface PaneModes {
  /** On the alternate screen (a full-screen program that did not leave it). */
  alternate: boolean;
  cursorVisible: boolean;
  /** Any mouse reporting mode on. */
  mouse: boolean;
  /** Application cursor keys (keypad transmit mode). */
  keypadCursor: boolean;
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
    const after = opts.shellAfterExit ? "PS1='$ ' exec sh" : 'exec sleep 3600';
    const wrapped = `trap true INT; ${opts.command}; printf '\\n[tmux-harness: exited %d]\\n' $?; ${after}`;
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

  /** The pane's modes, as tmux tracks them (`#{alternate_on}`, `#{cursor_flag}`, ...). */
  async modes(): Promise<PaneModes> {
    const out = await tmux(this.socket, [
      'display-message',
      '-p',
      '-t',
      this.name,
      '#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{keypad_cursor_flag}',
    ]);
    const [alt, cursor, mouse, keypad] = out.trim().split(' ');
    return {
      alternate: alt === '1',
      cursorVisible: cursor === '1',
      mouse: mouse === '1',
      keypadCursor: keypad === '1',
    };
  }

  /**
   * The pid of the command (the child of the pane's shell), to send it signals as `kill` would. Linux
   * only (reads /proc).
   */
  async commandPid(): Promise<number> {
    const shell = Number(
      (await tmux(this.socket, ['display-message', '-p', '-t', this.name, '#{pane_pid}'])).trim(),
    );
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // The process ended while listing: not ours.
      }
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === shell) return Number(entry);
    }
    throw new Error(`no command running under the pane's shell (pid ${shell})`);
  }

  /**
   * Types `echo` of a computed word into the pane's shell (see `shellAfterExit`) and waits for its
   * output: proves the terminal is back in cooked mode with echo (a raw terminal neither shows the
   * typed line nor runs it on Enter).
   */
  async typeAndRun(opts: WaitOptions = {}): Promise<string> {
    const word = randomBytes(3).toString('hex');
    await this.type(`echo typed-${word}-$((6*7))`);
    await this.keys('Enter');
    return this.waitFor((s) => s.includes(`echo typed-${word}-$((6*7))`) && s.includes(`typed-${word}-42`), {
      what: 'the typed command and its output',
      ...opts,
    });
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
