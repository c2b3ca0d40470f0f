// install --hosts FILE: several machines in one command. Discovery finds the installers, each is
// matched to its entry, and each matched machine goes through the one-machine install (its own
// session, journal, log and age key), a few at a time. One machine's failure stops no other.
import { BootstrapError, ExitCode, errorText, usageError } from '../core/exit-codes.js';
import { discover } from '../core/discovery/discover.js';
import type { Candidate } from '../core/discovery/candidate.js';
import { readHostsFile, type HostEntry } from '../core/fleet/hosts-file.js';
import { describeInstaller, matchMachines, type MachineMatches } from '../core/fleet/match-machines.js';
import { inPool, worstExitCode } from '../core/fleet/run-pool.js';
import { printableLines } from '../core/logs/printable.js';
import { formatTarget } from '../core/ssh/target.js';
import { installerTarget, trustedFingerprints } from './find-installer.js';
import { install, resume } from './install-command.js';
import { parseInstallFlags, withoutFlags, type FleetRequest, type InstallRequest } from './install-options.js';
import { notWithResume } from './resume-flags.js';
import { Reporter } from './reporter.js';

interface Machine {
  entry: HostEntry;
  /** The flake host: the machine's name in every line and in --only. */
  host: string;
  request: InstallRequest;
}

export interface MachineResult {
  host: string;
  exitCode: number;
  /** planned: a dry run that would install it. */
  status: 'installed' | 'planned' | 'failed' | 'aborted' | 'refused' | 'not found' | 'error';
  message?: string;
  target?: string;
  logFile?: string;
  recipient?: string;
  ageKeyFile?: string;
  newHostKey?: string;
}

/** A machine's reporter that also keeps what its end-of-run row shows. */
class MachineReporter extends Reporter {
  readonly seen: Partial<MachineResult> = {};
  override record(type: string, payload: object, text?: string): void {
    const p = payload as Record<string, unknown>;
    if (type === 'result' && typeof p.logFile === 'string') this.seen.logFile = p.logFile;
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
  if (!request.only) return machines;
  const unknown = request.only.filter((name) => !names.includes(name));
  if (unknown.length) throw usageError(`--only ${unknown.join(',')}: not in ${request.hostsFile}`, `its hosts: ${names.join(', ')}`);
  return machines.filter((m) => request.only!.includes(m.host));
}

/**
 * The whole search (a few seconds, against minutes of installing): every installer that answers
 * is either matched or listed, and a second machine answering to an entry's name is seen.
 */
async function findMachines(machines: Machine[], port: number | undefined): Promise<MachineMatches> {
  const trusted = await trustedFingerprints();
  const found = await discover({ ...(port ? { port } : {}) }).result;
  return matchMachines(
    machines.map((m) => m.entry),
    found.candidates,
    (fp) => trusted.has(fp),
  );
}

export async function installHosts(request: FleetRequest): Promise<number> {
  const entries = await readHostsFile(request.hostsFile);
  const machines = machinesOf(entries, request);
  // Every machine's run listens for Ctrl-C (the first stops them all after their running command).
  process.setMaxListeners(Math.max(process.getMaxListeners(), 2 * request.concurrency + 10));
  const shared = new Reporter(request.json);
  shared.note(`Looking for ${machines.length} machine${machines.length === 1 ? '' : 's'} of ${request.hostsFile} on the LAN…`);
  const found = await findMachines(machines, machines[0]?.request.port);
  for (const installer of found.unmatched) {
    shared.record(
      'unmatched-installer',
      { names: installer.names, mac: installer.mac ?? null, fingerprint: installer.fingerprint },
      `Not installed (no entry in ${request.hostsFile} names it): ${describeInstaller(installer)}`,
    );
  }
  const hostOf = (entry: HostEntry) => machines.find((m) => m.entry === entry)!;
  const results: MachineResult[] = found.refused.map(({ entry, reason, kind }) => {
    const { host } = hostOf(entry);
    const exitCode = kind === 'missing' ? ExitCode.unreachable : ExitCode.refused;
    new Reporter(request.json, process.stdout, process.stderr, host).record('error', { message: reason, exitCode }, `✖ ${reason}`);
    return { host, exitCode, status: kind === 'missing' ? 'not found' : 'refused', message: reason };
  });
  const runs = await inPool(found.matched, request.concurrency, ({ entry, installer }) => installOne(hostOf(entry), installer, request));
  const all = [...results, ...runs].sort((a, b) => machines.findIndex((m) => m.host === a.host) - machines.findIndex((m) => m.host === b.host));
  return summarise(all, request, shared);
}

async function installOne(machine: Machine, installer: Candidate, fleet: FleetRequest): Promise<MachineResult> {
  const reporter = new MachineReporter(fleet.json, process.stdout, process.stderr, machine.host);
  const target = installerTarget(installer);
  // Pinned to the key discovery verified, as a one-machine install pins --expect-fingerprint.
  const request: InstallRequest = { ...machine.request, target, expectFingerprint: installer.fingerprint! };
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
      `✖ ${printableLines(message)}`,
    );
  }
  const status =
    exitCode === ExitCode.ok
      ? fleet.dryRun
        ? 'planned'
        : 'installed'
      : exitCode === ExitCode.aborted
        ? 'aborted'
        : exitCode === ExitCode.phaseFailed
          ? 'failed'
          : 'error';
  return { host: machine.host, exitCode, status, target: formatTarget(target), ...reporter.seen, ...(message ? { message } : {}) };
}

function summarise(results: MachineResult[], request: FleetRequest, reporter: Reporter): number {
  const worst = worstExitCode(results.map((r) => r.exitCode));
  const retry = results.filter((r) => r.status === 'failed' || r.status === 'aborted').map((r) => r.host);
  const resumeCommand = retry.length
    ? `nixos-bootstrap install --hosts ${request.hostsFile} --only ${retry.join(',')} --resume ${request.sharedArgs.filter((a) => a !== '--resume').join(' ')}`.trim()
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
  reporter.record(
    'hosts-summary',
    { exitCode: worst, hosts: results, resumeCommand: resumeCommand ?? null },
    [
      `${results.filter((r) => r.exitCode === ExitCode.ok).length} of ${results.length} machines ${request.dryRun ? 'planned (dry run: nothing was changed)' : 'installed'}:`,
      ...rows,
      ...(resumeCommand ? [`Continue the stopped ones with:\n  ${resumeCommand}`] : []),
    ].join('\n'),
  );
  return worst;
}
