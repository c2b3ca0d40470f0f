// Reads the kernel's neighbour table through one long-lived shell. Discovery reads it after each
// TCP connection (the MAC of who answered), and each process Node spawns blocks its thread for
// 10-40 ms on a busy 2-core VM (fork of a large process): eight reads held the eight key
// exchanges back by more than the exchanges took. The shell's own forks of `ip` cost Node nothing.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { parseNeighJson, type Neighbour } from './ndp.js';

const endMarker = '--nb-neigh-end--';
/** One line on stdin, one table (and the marker) on stdout. `ip` errors end up in the answer. */
const loop = `while read -r _; do ip -j neigh show 2>&1; echo; echo ${endMarker}; done`;

export class NeighbourShell {
  private child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly waiting: { resolve: (n: Neighbour[]) => void; reject: (e: Error) => void }[] = [];
  private output = '';
  private closed = false;

  /** The whole table, as of now. Requests are answered in order. */
  read(): Promise<Neighbour[]> {
    if (this.closed) return Promise.reject(new Error('neighbour shell closed'));
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      child.stdin.write('\n');
    });
  }

  /** Ends the shell; pending reads fail. */
  close(): void {
    this.child?.stdin.end();
    this.fail(new Error('neighbour shell closed'));
  }

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    const child = spawn('sh', ['-c', loop], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.stdin.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      for (let end = this.output.indexOf(`\n${endMarker}\n`); end >= 0; end = this.output.indexOf(`\n${endMarker}\n`)) {
        const text = this.output.slice(0, end);
        this.output = this.output.slice(end + endMarker.length + 2);
        const request = this.waiting.shift();
        try {
          request?.resolve(parseNeighJson(text.trim()));
        } catch {
          request?.reject(new Error(`ip -j neigh show: ${text.trim().split('\n')[0]}`));
        }
      }
    });
    child.on('error', (error) => this.fail(error));
    child.on('close', () => this.fail(new Error('neighbour shell ended')));
    return child;
  }

  /** No more reads: the shell could not start, ended, or was closed. */
  private fail(error: Error): void {
    this.closed = true;
    for (const request of this.waiting.splice(0)) request.reject(error);
  }
}
