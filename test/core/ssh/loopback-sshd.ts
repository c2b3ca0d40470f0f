// A throwaway OpenSSH server on 127.0.0.1 for the session tests: its own config, host key,
// authorized key and (optionally) root password, inside a private mount namespace so the host's
// /etc/shadow and /run stay untouched. Needs root (unshare, mount), as the lab tests do.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopbackSshd {
  port: number;
  dir: string;
  /** Private key the server accepts for root. */
  clientKeyFile: string;
  hostKeyFile: string;
  /** `SHA256:…` of the current host key. */
  fingerprint: string;
  /** Kills the sshd processes serving open connections (the listener stays): a dropped link. */
  dropConnections(): void;
  /** Restarts the listener, optionally with another host key (and drops open connections). */
  restart(options?: { hostKeyFile?: string }): Promise<void>;
  stop(): Promise<void>;
  log(): string;
}

export function makeKey(dir: string, name: string, type = 'ed25519'): string {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  return file;
}

export function keyFingerprint(file: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${readFileSync(logFile, 'utf8')}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${readFileSync(logFile, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

export async function startLoopbackSshd(options: { password?: string; hostKeyFile?: string; extraConfig?: string } = {}): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-sshd-'));
  chmodSync(dir, 0o700);
  let hostKeyFile = options.hostKeyFile ?? makeKey(dir, 'host_ed25519');
  const clientKeyFile = makeKey(dir, 'client_ed25519');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyFile}.pub`), { mode: 0o600 });
  let shadowBind = '';
  if (options.password !== undefined) {
    const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: options.password, encoding: 'utf8' }).trim();
    const shadow = readFileSync('/etc/shadow', 'utf8')
      .split('\n')
      .map((line) =>
        line.startsWith('root:')
          ? line
              .split(':')
              .map((f, i) => (i === 1 ? hash : f))
              .join(':')
          : line,
      )
      .join('\n');
    writeFileSync(join(dir, 'shadow'), shadow, { mode: 0o640 });
    shadowBind = `mount --bind ${join(dir, 'shadow')} /etc/shadow;`;
  }
  const port = await freePort();
  const logFile = join(dir, 'sshd.log');
  const configFile = join(dir, 'sshd_config');
  const writeConfig = () =>
    writeFileSync(
      configFile,
      `ListenAddress 127.0.0.1:${port}
HostKey ${hostKeyFile}
PidFile none
PermitRootLogin yes
PubkeyAuthentication yes
AuthorizedKeysFile ${join(dir, 'authorized_keys')}
StrictModes no
PasswordAuthentication ${options.password !== undefined ? 'yes' : 'no'}
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
MaxAuthTries 20
Subsystem sftp /usr/lib/openssh/sftp-server
${options.extraConfig ?? ''}
`,
    );

  let child: ChildProcess;
  const start = async () => {
    writeConfig();
    writeFileSync(logFile, '');
    // Private /run (sshd needs /run/sshd) and /etc/shadow, visible to this sshd only. Root's
    // home is an empty tmpfs: sessions must not run this machine's ~/.bashrc (a pyenv there took
    // a lock that a killed test command left behind, and every later root shell hung).
    const script = `set -e; mount -t tmpfs nb-test-run /run; mkdir -m 755 /run/sshd; mount -t tmpfs -o mode=700 nb-test-home ~root; ${shadowBind} exec /usr/sbin/sshd -D -e -f ${configFile} >>${logFile} 2>&1`;
    child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
    await waitForPort(port, child, logFile);
  };
  const killTree = (pid: number) => {
    for (const c of childrenOf(pid)) killTree(c);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const stopListener = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killTree(child.pid!);
    await exited;
  };
  await start();

  const sshd: LoopbackSshd = {
    port,
    dir,
    clientKeyFile,
    hostKeyFile,
    fingerprint: keyFingerprint(hostKeyFile),
    dropConnections() {
      // Like a cable pulled: the per-connection sshd dies first, so no exit status reaches the
      // client; then what it ran goes too, so no test process outlives the test.
      const tree = (pid: number): number[] => [pid, ...childrenOf(pid).flatMap(tree)];
      for (const pid of childrenOf(child.pid!).flatMap(tree)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    async restart(restartOptions = {}) {
      await stopListener();
      if (restartOptions.hostKeyFile) {
        hostKeyFile = restartOptions.hostKeyFile;
        sshd.hostKeyFile = hostKeyFile;
        sshd.fingerprint = keyFingerprint(hostKeyFile);
      }
      await start();
    },
    async stop() {
      await stopListener();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
  return sshd;
}
