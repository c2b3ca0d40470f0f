// Stopping a remote command on abort. sshd refuses "signal" channel requests for root sessions
// ("session signalling requires privilege separation"), and closing the channel leaves a
// command without a terminal running. So each command first reports its shell's PID (which is
// also its process group: sshd starts pty-less sessions with setsid) on stderr behind a marker
// the session strips, and an abort kills that process group over a second channel.
//
// The same marker, on both streams, also tells the command's own output from whatever the
// target's login shell printed before it (rc files that echo, sshd debug lines): that noise is
// dropped, so the probe and every phase parse only what their command printed.

const stdoutMarker = '\u001enb-out:';
const stderrMarker = '\u001enb-pid:';
/** Noise before the marker is held back to be dropped; past this, give up and pass it all on. */
const maxScanBytes = 64 * 1024;

/** The command, preceded by a marker line on each stream naming the remote shell's PID. */
export function withPidReport(command: string): string {
  return `printf '\\036nb-out:%s\\n' "$$"; printf '\\036nb-pid:%s\\n' "$$" >&2; ${command}`;
}

/** TERM to the process group, KILL after `graceMs` if anything is left (dash and bash syntax alike). */
export function killProcessGroupCommand(pid: number, graceMs = 3000): string {
  const rounds = Math.max(1, Math.ceil(graceMs / 100));
  return (
    `kill -TERM -${pid} 2>/dev/null || exit 0; i=0; ` +
    `while [ $i -lt ${rounds} ] && kill -0 -${pid} 2>/dev/null; do sleep 0.1; i=$((i+1)); done; ` +
    `kill -KILL -${pid} 2>/dev/null; exit 0`
  );
}

/**
 * Drops what arrives before the first marker line of its stream and reports the PID in it;
 * everything after passes through in order. Without a marker (the shell never ran the command,
 * or printed more than `maxScanBytes` first) everything is passed on: it may explain a failure.
 */
export class CommandStartFilter {
  private held = Buffer.alloc(0);
  private scanning = true;

  private constructor(
    private readonly marker: Buffer,
    private readonly onPid: (pid: number) => void,
    private readonly next: (chunk: Buffer) => void,
  ) {}

  static stdout(next: (chunk: Buffer) => void): CommandStartFilter {
    return new CommandStartFilter(Buffer.from(stdoutMarker, 'latin1'), () => {}, next);
  }

  static stderr(onPid: (pid: number) => void, next: (chunk: Buffer) => void): CommandStartFilter {
    return new CommandStartFilter(Buffer.from(stderrMarker, 'latin1'), onPid, next);
  }

  push(chunk: Buffer): void {
    if (!this.scanning) return this.pass(chunk);
    const buffer = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
    let from = 0;
    for (;;) {
      const at = buffer.indexOf(this.marker, from);
      const newline = at < 0 ? -1 : buffer.indexOf(0x0a, at);
      if (newline < 0) break;
      const pid = Number(buffer.subarray(at + this.marker.length, newline).toString('latin1'));
      // A line that only looks like ours (pid 1 never is) is noise too.
      if (Number.isInteger(pid) && pid > 1) {
        this.scanning = false;
        this.held = Buffer.alloc(0);
        this.onPid(pid);
        return this.pass(buffer.subarray(newline + 1));
      }
      from = newline + 1;
    }
    this.held = buffer;
    if (buffer.length > maxScanBytes) this.end();
  }

  /** Hands on whatever was held back when the stream ends without a marker. */
  end(): void {
    this.scanning = false;
    this.pass(this.held);
    this.held = Buffer.alloc(0);
  }

  private pass(bytes: Buffer): void {
    if (bytes.length > 0) this.next(bytes);
  }
}
