// Test side of the lab: bring a lab up for a test file, run commands on its hosts, and prove
// that tearing it down leaves nothing behind.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { labDown, labUp } from '../../source/lab/lab.js';
import { labPaths, staticLinkLocal, type LabSpec } from '../../source/lab/lab-spec.js';
import type { LabState } from '../../source/lab/lab-state.js';
import { inHost } from '../../source/lab/run-command.js';
import { macToEui64LinkLocal } from '../../source/core/discovery/eui64.js';

export const cliPath = new URL('../../dist/cli.js', import.meta.url).pathname;

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  /** Working directory on the laptop (default /root, the lab user's home). */
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

// The laptop's HOME is the lab home; this machine's agent and XDG dirs must not leak in.
const laptopUnset = ['SSH_AUTH_SOCK', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'CI'];

/** Environment changes travel in argv (`env K=V`), so they apply inside the host. */
async function runArgv(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  const result = await execa(file!, args, {
    input: options.input,
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    stripFinalNewline: false,
  }).catch((error: unknown) => ({ exitCode: -1, stdout: '', stderr: String(error) }));
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

export class LabHandle {
  constructor(readonly state: LabState) {}

  get id() {
    return this.state.id;
  }

  /** Runs argv on the laptop, as the wizard would run there. */
  laptop(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
    const env = options.env ?? {};
    const unset = [...laptopUnset, ...Object.keys(env).filter((k) => env[k] === undefined)].flatMap((k) => ['-u', k]);
    const assign = Object.entries(env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
    // env(1) reads its options (-u, -C) before the first NAME=VALUE.
    const argvEnv = ['env', ...unset, '-C', options.cwd ?? '/root', 'HOME=/root', 'USER=root', ...assign];
    return runArgv(inHost(this.state.laptop.anchorPid, [...argvEnv, ...argv]), options);
  }

  /** Runs the built CLI on the laptop. */
  cli(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    return this.laptop([process.execPath, cliPath, ...args], options);
  }

  /** Runs a shell command directly inside installer `index` (not over SSH): the tests' back door. */
  installer(index: number, script: string, options: Omit<RunOptions, 'env'> = {}): Promise<CommandResult> {
    return runArgv(inHost(this.installerState(index).anchorPid, ['bash', '-c', script]), options);
  }

  /** ssh from the laptop to installer `index` with the lab key, like a user would. */
  ssh(index: number, command: string, options: RunOptions = {}): Promise<CommandResult> {
    return this.laptop(['ssh', ...sshOptions, `root@${this.address(index)}`, command], options);
  }

  /** ssh from the laptop to the VM installer (as root; a stock-ISO VM takes only the lab's back-door key for that). */
  vmSsh(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const backDoor = this.state.vm?.stockIso ? ['-i', '/root/.ssh/lab_backdoor', '-o', 'IdentitiesOnly=yes'] : [];
    return this.laptop(['ssh', ...sshOptions, ...backDoor, `root@${this.vmAddress()}`, command], options);
  }

  /** `fe80::47%<tap>`, or the VM's EUI-64 address when it behaves like the stock ISO (no fe80::47). */
  vmAddress(): string {
    assert.ok(this.state.vm, `lab ${this.id} has no VM installer`);
    return `${this.state.vm.stockIso ? macToEui64LinkLocal(this.state.vm.mac) : staticLinkLocal}%${this.state.vm.tap}`;
  }

  /** `fe80::47%<laptop interface>` of installer `index` (its EUI-64 address if a twin holds fe80::47). */
  address(index: number): string {
    const installer = this.installerState(index);
    return `${installer.hasStaticLinkLocal ? staticLinkLocal : installer.eui64Address}%${installer.laptopInterface}`;
  }

  installerState(index: number) {
    const installer = this.state.installers.find((i) => i.index === index);
    assert.ok(installer, `lab ${this.id} has no installer ${index}`);
    return installer;
  }

  /** A file inside installer `index`'s private filesystem view, read from this machine. */
  readInstallerFile(index: number, path: string): string {
    return readFileSync(`/proc/${this.installerState(index).anchorPid}/root${path}`, 'utf8');
  }
}

export const sshOptions = [
  '-o',
  'BatchMode=yes',
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'LogLevel=ERROR',
  '-o',
  'ConnectTimeout=10',
];

/** Brings a lab up (failing loudly if it cannot), for use in a test file's `before`. */
export async function startLab(spec: LabSpec): Promise<LabHandle> {
  assert.equal(process.getuid?.(), 0, 'lab tests need root (CI runs them as root); they never skip');
  await labDown(spec.id!); // a previous run killed midway must not block this one
  return new LabHandle(await labUp(spec));
}

/** Tears a lab down and asserts that nothing of it remains. */
export async function stopLab(lab: LabHandle | undefined, id: string): Promise<void> {
  const state = lab?.state;
  await labDown(id);
  await assertLabGone(id, state);
}

export async function assertLabGone(id: string, state?: LabState): Promise<void> {
  const namespaces = (await execa('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.startsWith(`${id}-`));
  assert.deepEqual(namespaces, [], 'network namespaces left behind');
  const loops = (await execa('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'])).stdout
    .split('\n')
    .filter((l) => l.includes(labPaths(id).stateDir));
  assert.deepEqual(loops, [], 'loop devices left behind');
  assert.ok(!existsSync(labPaths(id).stateDir), 'lab state directory left behind');
  const pids = [
    ...Object.values(state?.laptop.pids ?? {}),
    ...(state?.installers ?? []).flatMap((i) => Object.values(i.pids)),
    ...(state?.vm ? [state.vm.pid] : []),
  ];
  const alive = pids.filter((pid) => existsSync(`/proc/${pid}`));
  assert.deepEqual(alive, [], 'lab processes left behind');
}

/** Convenience for a whole test body. */
export async function withLab(spec: LabSpec, body: (lab: LabHandle) => Promise<void>): Promise<void> {
  let lab: LabHandle | undefined;
  try {
    lab = await startLab(spec);
    await body(lab);
  } finally {
    await stopLab(lab, spec.id!);
  }
}
