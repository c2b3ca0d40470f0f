// Drives a program in a tmux terminal like a person: keys one at a time, the screen read back
// with capture-pane. Used by the demo's --auto mode and by the wizard's end-to-end test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const keyGapMs = 30;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const shellWord = (word) => `'${word.replace(/'/g, `'\\''`)}'`;
/** argv as one line for `sh -c`, every word single-quoted. */
export const shellLine = (argv) => argv.map(shellWord).join(' ');

/**
 * Each terminal's tmux keeps its socket in a directory of its own (TMUX_TMPDIR), removed when the
 * terminal stops: nothing is left in the shared /tmp/tmux-UID, which tmux would create.
 */
export const tmuxDir = (name) => join(tmpdir(), `nb-tmux-${name}`);

/** A tmux server of its own (`-L socket`), so nothing of the user's tmux is touched. */
export class TmuxTerminal {
  /** Every distinct screen read: callers check none of them showed a secret. */
  screensSeen = new Set();

  constructor(socket, session = 'main') {
    this.socket = socket;
    this.session = session;
  }

  /** tmux's environment: its own socket directory (made here: tmux uses only one that exists). */
  env() {
    mkdirSync(tmuxDir(this.socket), { recursive: true, mode: 0o700 });
    return { ...process.env, TMUX_TMPDIR: tmuxDir(this.socket) };
  }

  tmux(args, input) {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', input, env: this.env() });
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Starts `argv` in a detached columns×rows terminal (a previous server of this socket is ended). */
  start(argv, { columns = 80, rows = 24 } = {}) {
    this.stop();
    this.tmux(['new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', this.session, shellLine(argv)]);
  }

  /** Ends the server and removes its socket directory (tmux leaves the socket behind). */
  stop() {
    // With TMUX_TMPDIR missing, tmux would fall back to /tmp: env() makes it first.
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore', env: this.env() });
    rmSync(tmuxDir(this.socket), { recursive: true, force: true });
  }

  /** The terminal as a person sees it (with `-e`, with its colours). */
  screen(colours = false) {
    const text = this.tmux(['capture-pane', '-p', ...(colours ? ['-e'] : []), '-t', this.session]);
    this.screensSeen.add(text);
    return text;
  }

  /** Everything the terminal ever showed, scrollback included. */
  scrollback() {
    return this.tmux(['capture-pane', '-p', '-S', '-', '-E', '-', '-t', this.session]);
  }

  async waitFor(check, what, timeoutMs = 30_000) {
    const test = typeof check === 'function' ? check : (text) => check.test(text);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen();
      if (test(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the terminal shows:\n${text}`);
      await sleep(100);
    }
  }

  /** Named keys (Enter, Down, Right, Escape) or single characters, one at a time. */
  async press(...keys) {
    for (const key of keys) {
      await sleep(keyGapMs);
      this.tmux(['send-keys', '-t', this.session, key]);
    }
  }

  /** Literal text, one character at a time. Never a secret: send-keys puts it in tmux's argv. */
  async type(text) {
    for (const char of text) {
      await sleep(keyGapMs);
      this.tmux(['send-keys', '-t', this.session, '-l', char]);
    }
  }

  /** Text pasted in one burst through a tmux buffer fed on stdin: it appears in no argv. */
  async paste(text) {
    await sleep(keyGapMs);
    this.tmux(['load-buffer', '-b', 'nb-paste', '-'], text);
    this.tmux(['paste-buffer', '-d', '-b', 'nb-paste', '-t', this.session]);
  }
}
