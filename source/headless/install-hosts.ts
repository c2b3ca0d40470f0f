// install --hosts FILE: several machines in one command. Discovery finds the installers, each is
// matched to its entry, and each matched machine goes through the one-machine install (its own
// session, journal, log and age key), a few at a time. One machine's failure stops no other.
import { BootstrapError, ExitCode, errorText, usageError } from '../core/exit-codes.js';
import { discover, type DiscoverOptions } from '../core/discovery/discover.js';
import type { Candidate } from '../core/discovery/candidate.js';
import { commandOnlyFlags, readHostsFile, type HostEntry } from '../core/fleet/hosts-file.js';
import { choiceFlagSpec } from '../flags/choice-flags.js';
import { resolve } from 'node:path';
import { describeInstaller, matchMachines, type MachineMatches } from '../core/fleet/match-machines.js';
import { inPool, worstExitCode } from '../core/fleet/run-pool.js';
import { shellJoin } from '../core/plan/shell.js';
import { formatTarget } from '../core/ssh/target.js';
import { installerTarget, trustedFingerprints } from './find-installer.js';
import { install, resume } from './install-command.js';
import { parseInstallFlags, withoutFlags, type FleetRequest, type InstallRequest } from './install-options.js';
import { notWithResume } from './resume-flags.js';
import { Reporter } from './reporter.js';

export interface Machine {
  entry: HostEntry;
  /** The flake host: the machine's name in every line and in --only. */
  host: string;
  request: InstallRequest;
}

export interface MachineResult {
  host: string;
  exitCode: number;
  /** planned: a dry run that would install it; left out: the wizard's review left it out (exit status 0: a choice). */
  status: 'installed' | 'planned' | 'failed' | 'aborted' | 'refused' | 'not found' | 'error' | 'left out';
  message?: string;
  target?: string;
  logFile?: string;
  recipient?: string;
  ageKeyFile?: string;
  newHostKey?: string;
  /** Its run started (a journal exists), so --resume can carry it on. */
  ran?: boolean;
}

/** A machine's reporter that also keeps what its end-of-run row shows. */
export class MachineReporter extends Reporter {
  readonly seen: Partial<MachineResult> = {};
  override record(type: string, payload: object, text?: string): void {
    const p = payload as Record<string, unknown>;
    if (type === 'result') {
      // The run itself started (a journal exists): --resume can carry it on.
      this.seen.ran = true;
      if (typeof p.logFile === 'string') this.seen.logFile = p.logFile;
    }
    if (type === 'age-key') {
      this.seen.recipient = String(p.recipient);
      if (typeof p.localFile === 'string') this.seen.ageKeyFile = p.localFile;
    }
    if (type === 'host-key-trusted') this.seen.newHostKey = String(p.fingerprint);
    super.record(type, payload, text);
  }
}

/** Every entry parsed with the command line's flags before anything is contacted (exit 2 on any). */
function machinesOf(entries: HostEntry[], request: FleetRequest): Machine[] {
  const machines = entries.map((entry) => {
    try {
      const argv = [...request.sharedArgs, ...entry.args];
      // The hosts file still names what the first run chose once (keys made, files written).
      const parsed = parseInstallFlags(request.resume ? withoutFlags(argv, notWithResume) : argv);
      return { entry, host: parsed.choices.flake.host, request: parsed };
    } catch (error) {
      if (!(error instanceof BootstrapError)) throw error;
      throw usageError(`${request.hostsFile}, host ${entry.position}: ${error.message}`, error.hint);
    }
  });
  const names = machines.map((m) => m.host);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice)
    throw usageError(
      `${request.hostsFile} names the host ${twice} twice`,
      'each machine needs its own configuration name (its age key and log are named after it)',
    );
  checkOwnFiles(machines, request.hostsFile);
  const unknown = request.only?.filter((name) => !names.includes(name)) ?? [];
  if (unknown.length) throw usageError(`--only ${unknown.join(',')}: not in ${request.hostsFile}`, `its hosts: ${names.join(', ')}`);
  return machines;
}

/** Files a machine writes (or whose key it takes): never one for two machines, racing or mixed up. */
function checkOwnFiles(machines: Machine[], hostsFile: string): void {
  const owner = new Map<string, string>();
  for (const { host, request } of machines) {
    const files = [
      request.ageKey !== 'none' && request.ageKeyOut !== undefined ? ['--age-key-out', request.ageKeyOut] : undefined,
      request.hostKeyFile !== undefined ? ['--host-key', request.hostKeyFile] : undefined,
      request.writeDiskConfig !== undefined ? ['--write-disk-config', request.writeDiskConfig] : undefined,
      request.hardwareConfig !== undefined ? ['--generate-hardware-config', request.hardwareConfig.path] : undefined,
      request.ageKey !== 'none' && request.ageKeyOut === undefined ? ['--age-key-name', request.ageKeyName] : undefined,
    ].filter((file): file is string[] => file !== undefined);
    for (const [flag, path] of files) {
      const key = `${flag} ${flag === '--age-key-name' ? path : resolve(path!)}`;
      const other = owner.get(key);
      if (other) throw usageError(`${flag} ${path} is given to ${other} and ${host} in ${hostsFile}`, 'each machine needs its own: give it in each entry');
      owner.set(key, host);
    }
  }
}

/**
 * The whole search (a few seconds, against minutes of installing): every installer that answers
 * is either matched or listed, and a second machine answering to an entry's name is seen.
 */
async function findMachines(machines: Machine[]): Promise<MachineMatches> {
  const trusted = await trustedFingerprints();
  const found = await discover(searchFor(machines)).result;
  return matchMachines(
    machines.map((m) => m.entry),
    found.candidates,
    (fp) => trusted.has(fp),
  );
}

/** What discovery looks for, for both front ends: every link, the entries' mDNS names, their port. */
export function searchFor(machines: Machine[]): DiscoverOptions {
  const port = machines[0]?.request.port;
  return { names: machines.flatMap((m) => (m.entry.match.name ? [m.entry.match.name] : [])), ...(port ? { port } : {}) };
}

/** The hosts file's machines, each entry parsed with the command line's flags (exit 2 on any). */
export async function readMachines(request: FleetRequest): Promise<Machine[]> {
  const machineFlags = Object.keys(choiceFlagSpec).filter((name) => !commandOnlyFlags.includes(name));
  return machinesOf(await readHostsFile(request.hostsFile, machineFlags), request);
}

export async function installHosts(request: FleetRequest): Promise<number> {
  const machines = await readMachines(request);
  const selected = (host: string) => !request.only || request.only.includes(host);
  // Ctrl-C stops every machine: the running ones after their running command (their runs listen
  // too), the others before their first phase, the queued ones before they start.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.setMaxListeners(Math.max(process.getMaxListeners(), 2 * request.concurrency + 10));
  try {
    const shared = new Reporter(request.json);
    const count = machines.filter((m) => selected(m.host)).length;
    shared.note(`Looking for ${count} machine${count === 1 ? '' : 's'} of ${request.hostsFile} on the LAN…`);
    // Every entry takes part in the matching (an installer two entries claim is refused, and one
    // an unselected entry names is not "unnamed"); only the selected ones are installed.
    const found = await findMachines(machines);
    for (const installer of found.unmatched) {
      shared.record(
        'unmatched-installer',
        { names: installer.names, mac: installer.mac ?? null, fingerprint: installer.fingerprint },
        `Not installed (no entry in ${request.hostsFile} names it): ${describeInstaller(installer)}`,
      );
    }
    const hostOf = (entry: HostEntry) => machines.find((m) => m.entry === entry)!;
    const results: MachineResult[] = found.refused
      .filter(({ entry }) => selected(hostOf(entry).host))
      .map(({ entry, reason, kind }) => {
        const { host } = hostOf(entry);
        const exitCode = kind === 'missing' ? ExitCode.unreachable : ExitCode.refused;
        new Reporter(request.json, process.stdout, process.stderr, host).record('error', { message: reason, exitCode }, `✖ ${reason}`);
        return { host, exitCode, status: kind === 'missing' ? 'not found' : 'refused', message: reason };
      });
    const toInstall = found.matched.filter(({ entry }) => selected(hostOf(entry).host));
    const runs = await inPool(toInstall, request.concurrency, ({ entry, installer }) =>
      stop.signal.aborted
        ? Promise.resolve<MachineResult>({ host: hostOf(entry).host, exitCode: ExitCode.aborted, status: 'aborted', message: 'not started (Ctrl-C)' })
        : installOne(hostOf(entry), installer, request, stop.signal),
    );
    const order = (r: MachineResult) => machines.findIndex((m) => m.host === r.host);
    return summarise(
      [...results, ...runs].sort((a, b) => order(a) - order(b)),
      request,
      shared,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The wizard's way into one machine's run: its own reporter, and how the plan is confirmed. */
export interface MachineRunOptions {
  reporter?: MachineReporter;
  confirm?: InstallRequest['confirm'];
  interrupts?: InstallRequest['interrupts'];
}

export async function installOne(
  machine: Machine,
  installer: Candidate,
  fleet: FleetRequest,
  stop: AbortSignal,
  options: MachineRunOptions = {},
): Promise<MachineResult> {
  const reporter = options.reporter ?? new MachineReporter(fleet.json, process.stdout, process.stderr, machine.host);
  const target = installerTarget(installer);
  // Pinned to the key discovery verified, as a one-machine install pins --expect-fingerprint.
  const request: InstallRequest = {
    ...machine.request,
    target,
    expectFingerprint: installer.fingerprint!,
    stop,
    ...(machine.entry.match.mac ? { expectMac: machine.entry.match.mac } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
    ...(options.interrupts ? { interrupts: options.interrupts } : {}),
  };
  reporter.note(`Installing on ${formatTarget(target)} (${describeInstaller(installer)})`);
  let exitCode: number;
  let message: string | undefined;
  try {
    exitCode = await (fleet.resume ? resume(request, reporter) : install(request, reporter));
  } catch (error) {
    exitCode = error instanceof BootstrapError ? error.exitCode : ExitCode.phaseFailed;
    message = errorText(error);
    reporter.record(
      'error',
      { message: error instanceof Error ? error.message : String(error), hint: (error as BootstrapError).hint, exitCode },
      `✖ ${message}`,
    );
  }
  const ran = reporter.seen.ran === true;
  const status =
    exitCode === ExitCode.ok
      ? fleet.dryRun
        ? 'planned'
        : 'installed'
      : exitCode === ExitCode.aborted
        ? 'aborted'
        : exitCode === ExitCode.phaseFailed && ran
          ? 'failed'
          : 'error';
  return { host: machine.host, exitCode, status, target: formatTarget(target), ...reporter.seen, ...(message ? { message } : {}) };
}

function summarise(results: MachineResult[], request: FleetRequest, reporter: Reporter): number {
  const { worst, resumeCommand, text } = fleetSummary(results, request);
  reporter.record('hosts-summary', { exitCode: worst, hosts: results, resumeCommand: resumeCommand ?? null }, text);
  return worst;
}

/** The end of a many-machines run, for both front ends: the worst exit status, a row per machine, the resume command. */
export function fleetSummary(results: MachineResult[], request: FleetRequest): { worst: number; resumeCommand?: string; text: string } {
  const worst = worstExitCode(results.map((r) => r.exitCode));
  const retry = results.filter((r) => r.ran && (r.status === 'failed' || r.status === 'aborted')).map((r) => r.host);
  const resumeCommand = retry.length
    ? `nixos-bootstrap ${shellJoin(['install', '--hosts', request.hostsFile, '--only', retry.join(','), '--resume', ...request.sharedArgs.filter((a) => a !== '--resume')])}`
    : undefined;
  const width = Math.max(4, ...results.map((r) => r.host.length));
  const rows = results.map((r) => {
    const details =
      r.status === 'installed'
        ? [
            r.logFile && `log ${r.logFile}`,
            r.recipient && `age ${r.recipient}`,
            r.ageKeyFile && `key ${r.ageKeyFile}`,
            r.newHostKey && `host key ${r.newHostKey}`,
          ]
        : [r.message, r.logFile && `log ${r.logFile}`];
    return `  ${r.host.padEnd(width)}  ${r.status.padEnd(9)}  ${details.filter(Boolean).join('  ')}`;
  });
  const text = [
    `${results.filter((r) => r.status === 'installed' || r.status === 'planned').length} of ${results.length} machines ${request.dryRun ? 'planned (dry run: nothing was changed)' : 'installed'}:`,
    ...rows,
    ...(resumeCommand ? [`Continue the stopped ones with:\n  ${resumeCommand}`] : []),
  ].join('\n');
  return { worst, text, ...(resumeCommand ? { resumeCommand } : {}) };
}
