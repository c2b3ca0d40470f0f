// Stopping a remote command on abort. sshd refuses "signal" channel requests for root sessions
// ("session signalling requires privilege separation"), and closing the channel leaves a
// command without a terminal running. So each command first reports its shell's PID (which is
// also its process group: sshd starts pty-less sessions with setsid) on stderr behind a marker
// the session strips, and an abort kills that process group over a second channel.

const marker = Buffer.from('\u001enb-pid:', 'latin1');
/** Whatever a login shell prints before our first line (rc files, debug sshd) is passed on; past this, stop looking. */
const maxScanBytes = 64 * 1024;
const maxMarkerLineBytes = 32;

/** The command, preceded by a line on stderr naming the remote shell's PID. */
export function withPidReport(command: string): string {
  return `printf '\\036nb-pid:%s\\n' "$$" >&2; ${command}`;
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

/** Length of the longest tail of `buffer` that is a beginning of the marker (it may complete later). */
function partialMarkerTail(buffer: Buffer): number {
  for (let length = Math.min(marker.length - 1, buffer.length); length > 0; length--) {
    if (buffer.subarray(buffer.length - length).equals(marker.subarray(0, length))) return length;
  }
  return 0;
}

/** Takes the marker line out of stderr; everything else passes through, in order. */
export class PidReportFilter {
  private held = Buffer.alloc(0);
  private scanning = true;
  private scannedBytes = 0;

  constructor(
    private readonly onPid: (pid: number) => void,
    private readonly next: (chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (!this.scanning) return this.next(chunk);
    const buffer = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = Buffer.alloc(0);
    this.scannedBytes += chunk.length;
    const at = buffer.indexOf(marker);
    if (at >= 0) {
      const newline = buffer.indexOf(0x0a, at);
      if (newline < 0 && buffer.length - at < maxMarkerLineBytes) {
        this.pass(buffer.subarray(0, at));
        this.held = Buffer.from(buffer.subarray(at)); // the rest of the marker line is on its way
        return;
      }
      const pid = newline < 0 ? Number.NaN : Number(buffer.subarray(at + marker.length, newline).toString('latin1'));
      if (Number.isInteger(pid) && pid > 1) {
        this.scanning = false;
        this.pass(buffer.subarray(0, at));
        this.onPid(pid);
        this.pass(buffer.subarray(newline + 1));
        return;
      }
    }
    if (this.scannedBytes > maxScanBytes) {
      this.scanning = false;
      return this.pass(buffer);
    }
    const keep = partialMarkerTail(buffer);
    this.pass(buffer.subarray(0, buffer.length - keep));
    if (keep > 0) this.held = Buffer.from(buffer.subarray(buffer.length - keep));
  }

  /** Hands on whatever was held back when the stream ends. */
  end(): void {
    this.scanning = false;
    this.pass(this.held);
    this.held = Buffer.alloc(0);
  }

  private pass(bytes: Buffer): void {
    if (bytes.length > 0) this.next(bytes);
  }
}
