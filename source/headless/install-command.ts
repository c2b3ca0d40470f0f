import { resolve } from 'node:path';
import { BootstrapError, ExitCode, refusal, usageError } from '../core/exit-codes.js';
import { chooseDisk, describeCandidate, refuseAmbiguousDisk } from '../core/facts/disks.js';
import { probe } from '../core/facts/probe.js';
import type { Facts } from '../core/facts/types.js';
import { Journal } from '../core/install/journal.js';
import { checkFlakeSource, checkSecretsReadiness, loadHostKey, obtainAgeKey, saveAgeKey, secretsDirFor, type AgeKeyChoice } from '../core/install/prepare.js';
import { waitForReboot } from '../core/install/wait-for-reboot.js';
import { checkExtraFiles } from '../core/install/extra-files-check.js';
import {
  checkHardwareConfigTarget,
  generateHardwareConfig,
  hardwareConfigTarget,
  saveHardwareConfig,
  type HardwareConfigTarget,
} from '../core/install/hardware-config.js';
import { bootCheckSkipReason, checkBoot } from '../core/boot/boot-check.js';
import { bootBlockers, describeBootCheck } from '../core/boot/boot-findings.js';
import { diskConfigOffer } from '../core/boot/disk-config.js';
import { checkDiskConfigPath, handOverDiskConfig } from '../core/boot/write-disk-config.js';
import { defaultKnownHostsFile, recordHostKey } from '../core/ssh/known-hosts.js';
import { fingerprint } from '../core/ssh/fingerprint.js';
import { resumeStatus } from '../core/install/runner.js';
import { startRun } from '../core/install/start.js';
import { checkResumeIdentity, resumeIdentity } from '../core/install/resume-check.js';
import { readDiskEncryptionKeys, runSecrets } from '../core/install/run-secrets.js';
import { nextCommands } from '../core/install/next-steps.js';
import { parseAgeKeyFile } from '../core/keys/age.js';
import { readPassphraseFile } from '../core/keys/passphrase.js';
import { defaultAgeKeyOut, refuseSecretInFlake } from '../core/keys/secret-paths.js';
import { layoutLuks, minimumDiskBytes } from '../core/plan/plan-context.js';
import { plan as makePlan } from '../core/plan/plan.js';
import type { Choices, Plan, Secrets } from '../core/plan/types.js';
import { connect, scanHostKey, type SshSession } from '../core/ssh/session.js';
import { formatTarget } from '../core/ssh/target.js';
import type { Target } from '../core/ssh/types.js';
import { readFile } from 'node:fs/promises';
import { installHelp, parseFleetRequest, parseInstallFlags, type InstallRequest } from './install-options.js';
import { Reporter } from './reporter.js';
import { findOneInstaller } from './find-installer.js';
import { checkResumeFlags } from './resume-flags.js';

export async function main(argv: string[]): Promise<number> {
  const fleet = parseFleetRequest(argv);
  const request = fleet ? undefined : parseInstallFlags(argv);
  if (request?.help) {
    process.stdout.write(installHelp);
    return ExitCode.ok;
  }
  const json = fleet?.json ?? request!.json;
  const reporter = new Reporter(json);
  try {
    if (fleet) return await (await import('./install-hosts.js')).installHosts(fleet);
    return await (request!.resume ? resume(request!, reporter) : install(request!, reporter));
  } catch (error) {
    // NDJSON consumers get the failure as a line too; the one-line message still goes to stderr.
    if (json && error instanceof BootstrapError) reporter.record('error', { message: error.message, hint: error.hint, exitCode: error.exitCode });
    throw error;
  }
}

export async function install(request: InstallRequest, reporter: Reporter): Promise<number> {
  // Everything local is checked before the target is contacted, and long before any disk.
  const flake = await checkFlakeSource(request.choices.flake, request.choices.install);
  const ageKeyFile = `${request.ageKeyName}.agekey`;
  refuseSecretInFlake('--luks-passphrase-file', request.luksPassphraseFile, flake.localPath);
  refuseSecretInFlake('--host-key', request.hostKeyFile, flake.localPath);
  for (const key of request.diskEncryptionKeys) refuseSecretInFlake('--disk-encryption-keys', key.local, flake.localPath);
  if (request.extraFiles !== undefined) await checkExtraFiles(request.extraFiles, request.chown);
  const hardware = request.hardwareConfig
    ? hardwareConfigTarget(request.hardwareConfig.path, request.hardwareConfig.generator, flake.host, flake.localPath)
    : undefined;
  if (hardware) await checkHardwareConfigTarget(hardware);
  const diskConfigPath = request.writeDiskConfig !== undefined ? await checkDiskConfigPath(request.writeDiskConfig, flake.localPath) : undefined;
  const passphrase = layoutLuks(request.choices.layout) ? await readPassphraseFile(request.luksPassphraseFile!) : undefined;
  const diskEncryptionKeys = await readDiskEncryptionKeys(request.choices.layout);
  const ageKeyOut = request.ageKeyOut ?? defaultAgeKeyOut(ageKeyFile, flake.localPath);
  const ageKey = request.ageKey === 'none' ? null : await obtainAgeKey(request.ageKey, ageKeyOut, request.replaceAgeKey, flake.localPath);
  const hostKey = request.hostKeyFile ? await loadHostKey(request.hostKeyFile) : null;
  if (ageKey) reportAgeKey(reporter, ageKey, flake.host, request.ageKeyTarget, request.dryRun);
  const secretsDir = ageKey ? secretsDirFor(flake, request.secretsDir) : undefined;
  if (secretsDir && ageKey) {
    const report = await checkSecretsReadiness(secretsDir, ageKey.key, request.allowUnreadableSecrets);
    reporter.record(
      'secrets-check',
      report,
      `Secrets check: ${report.readable.length} readable, ${report.unreadable.length} unreadable in ${secretsDir}${report.unreadable.map((u) => `\n  ✖ ${u.file}: ${u.reason}`).join('')}`,
    );
  }

  const { target, pin } = await resolveTarget(request, reporter);
  const session = await openSession(target, request, pin, reporter);
  try {
    const facts = await probeMachine(session, request);
    if (hardware) await handOverHardwareConfig(session, hardware, request, reporter);
    const choices: Choices = {
      ...request.choices,
      flake,
      disk: request.choices.layout.kind === 'mounted' ? '' : pickDisk(facts, request, reporter),
      ageKey: ageKey ? { recipient: ageKey.key.recipient, path: request.ageKeyTarget } : null,
      hostKey: hostKey ? { publicKey: hostKey.publicKey, type: hostKey.type } : null,
    };
    const thePlan = makePlan(facts, choices);
    reporter.plan(thePlan, request.dryRun);
    if (diskConfigPath) await reportDiskConfig(thePlan, facts, diskConfigPath, isPreview(request), reporter);
    await checkBootOrRefuse(thePlan, facts, session, request, reporter);
    if (request.dryRun) {
      reporter.note('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    if (request.confirm) await request.confirm(thePlan);
    else if (!request.yes) {
      throw refusal(`refusing to write to ${thePlan.disk?.path ?? 'the target'} without confirmation`, 'read the plan above, then run again with --yes');
    }
    stopIfAsked(request);
    if (ageKey) await saveAgeKey(ageKey, request.replaceAgeKey);
    const secrets = runSecrets(choices, { luksPassphrase: passphrase, ageKey: ageKey?.key, hostKey: hostKey?.privateKey, diskEncryptionKeys });
    const journal = await Journal.start({
      target,
      fingerprint: session.fingerprint,
      choices,
      identity: resumeIdentity(facts, thePlan),
      ageKeyFile: ageKey?.file,
      hostKeyFile: hostKey ? resolve(request.hostKeyFile!) : undefined,
    });
    return await execute(thePlan, facts, session, secrets, journal, request, reporter, false);
  } finally {
    await session.close();
  }
}

export async function resume(request: InstallRequest, reporter: Reporter): Promise<number> {
  const { target } = await resolveTarget(request, reporter);
  // The journal is found by the host key the installer shows before anyone logs in, and that key
  // is then pinned: nothing (no password, no key) goes to a machine with another one.
  const shown = await scanHostKey(target);
  const runs = await Journal.runsFor(shown.fingerprint);
  if (runs.length === 0) throw usageError(`nothing to resume on ${formatTarget(target)}: no earlier run on this installer (host key ${shown.fingerprint})`);
  if (request.expectFingerprint && request.expectFingerprint !== shown.fingerprint) {
    throw refusal(`--expect-fingerprint ${request.expectFingerprint} is not the installer of the run being resumed (${shown.fingerprint})`);
  }
  // One run: its flags are checked before any login. Several (one image booted on several
  // machines, same host key): the MAC the probe reads picks the run.
  const only = runs.length === 1 ? await Journal.loadPath(runs[0]!) : null;
  if (only) checkResumeFlags(request, only.value);
  const session = await openSession(target, request, shown.fingerprint, reporter);
  try {
    const facts = await probeMachine(session, request);
    const journal = only ?? (await Journal.load(shown.fingerprint, facts.connection?.mac));
    if (!journal) {
      throw usageError(
        `nothing to resume on ${formatTarget(target)}: runs with its host key ${shown.fingerprint} were on other machines (not MAC ${facts.connection?.mac ?? 'unknown'})`,
        'start the install on this machine without --resume',
      );
    }
    if (!only) checkResumeFlags(request, journal.value);
    const { choices } = journal.value;
    // The directory may have changed since the run began: checked again before it is copied.
    if (choices.extraFiles) await checkExtraFiles(choices.extraFiles.dir, choices.extraFiles.owners);
    checkResumeIdentity(journal.value.identity ?? {}, choices, facts, { allowLoopDisks: request.allowLoopDisks });
    const thePlan = makePlan(facts, choices);
    reporter.plan(thePlan, request.dryRun);
    if (request.dryRun) {
      const status = await resumeStatus(thePlan, session, journal);
      const titles = (ids: string[]) => ids.map((id) => thePlan.phases.find((p) => p.id === id)!.title).join(', ') || 'none';
      reporter.record('resume-status', status, `Done and verified on the target (skipped): ${titles(status.done)}\nWould run: ${titles(status.remaining)}`);
      reporter.note('Dry run: nothing was changed.');
      return ExitCode.ok;
    }
    const passphrase = layoutLuks(choices.layout) ? await readPassphraseFile(request.luksPassphraseFile ?? missingPassphrase()) : undefined;
    const ageKey =
      choices.ageKey && journal.value.ageKeyFile ? await parseAgeKeyFile(await readFile(journal.value.ageKeyFile, 'utf8'), journal.value.ageKeyFile) : null;
    const hostKey = choices.hostKey && journal.value.hostKeyFile ? await loadHostKey(journal.value.hostKeyFile) : null;
    const diskEncryptionKeys = await readDiskEncryptionKeys(choices.layout);
    const secrets = runSecrets(choices, { luksPassphrase: passphrase, ageKey, hostKey: hostKey?.privateKey, diskEncryptionKeys });
    stopIfAsked(request);
    return await execute(thePlan, facts, session, secrets, journal, request, reporter, true);
  } finally {
    await session.close();
  }
}

/** A dry run, or a run without --yes (it stops before any phase): files in the flake stay as they are. */
const isPreview = (request: InstallRequest) => request.dryRun || !request.yes;

/** --generate-hardware-config: the installer's own description, into the flake before it is checked or uploaded. */
async function handOverHardwareConfig(session: SshSession, target: HardwareConfigTarget, request: InstallRequest, reporter: Reporter): Promise<void> {
  const { generator } = request.hardwareConfig!;
  reporter.note(`Generating the hardware configuration on the installer (${generator})…`);
  const text = await generateHardwareConfig(session, generator);
  // A preview leaves the flake as it is; a file aside (remote flake) is the tool's own.
  const write = !isPreview(request) || !target.inFlake;
  const { change, diff } = await saveHardwareConfig(target, text, write);
  const where = target.inFlake ? target.path : `${target.path} (the remote flake cannot see it)`;
  const status =
    change === 'unchanged'
      ? `unchanged: ${where}`
      : `${write ? (change === 'new' ? 'written to' : 'replaced') : 'would be written to'} ${where}${write && target.inFlake ? ' (git add --intent-to-add)' : ''}`;
  reporter.record(
    'hardware-config',
    { generator, path: target.path, inFlake: target.inFlake, change, written: write && change !== 'unchanged', text },
    `Hardware configuration (${generator}): ${status}\n${(change === 'changed' ? diff : text).trimEnd().replace(/^/gm, '  ')}`,
  );
  if (!target.inFlake && !isPreview(request) && !request.allowMissingHardwareConfig) {
    throw refusal(
      `the flake ${request.choices.flake.uri} cannot see the hardware configuration generated for this machine (saved to ${target.path})`,
      'add it to the flake and run again, or install without it: --allow-missing-hardware-config',
    );
  }
}

/** --write-disk-config: the module that matches this plan, into the flake (shown only, in a preview). */
async function reportDiskConfig(plan: Plan, facts: Facts, path: string, preview: boolean, reporter: Reporter): Promise<void> {
  const { text, written, gitAdded } = await handOverDiskConfig(plan, facts, path, !preview);
  reporter.record(
    'disk-config',
    { path, written, gitAdded, text },
    `${written ? `Wrote ${path}${gitAdded ? ' (git add --intent-to-add)' : ''}; import it from ${plan.choices.flake.host}'s configuration` : `Not written to ${path} (${plan.choices.flake.host} is not being installed now); it would hold`}:\n${text.trimEnd().replace(/^/gm, '  ')}`,
  );
}

/** Will it boot? Checked before the confirmation: a root this install does not create is a refusal. */
async function checkBootOrRefuse(plan: Plan, facts: Facts, session: SshSession, request: InstallRequest, reporter: Reporter): Promise<void> {
  const skip = { skipped: '--skip-boot-check was given', findings: [] };
  if (!request.skipBootCheck && !bootCheckSkipReason(plan)) reporter.note('Checking that the configuration boots from what this install creates (nix eval)…');
  const check = request.skipBootCheck ? skip : await checkBoot(plan, facts, { installer: session });
  reporter.record('boot-check', check, describeBootCheck(check));
  const offer = request.writeDiskConfig === undefined ? diskConfigOffer(plan, facts, check) : undefined;
  if (offer) reporter.record('disk-config-offer', { text: offer }, offer);
  const blocking = bootBlockers(check);
  if (blocking.length === 0) return;
  if (request.dryRun) return reporter.note('A real run would refuse this configuration (see the boot check above), unless --skip-boot-check.');
  throw refusal(
    `the configuration would not boot from what this install creates: ${blocking.join('; ')}`,
    "add the lines shown above to the host's configuration, or install anyway with --skip-boot-check",
  );
}

/** The target's facts (a Ctrl-C from `stop` ends the probe), from the machine its entry names. */
async function probeMachine(session: SshSession, request: InstallRequest): Promise<Facts> {
  const facts = await probe(session, { force: request.force, ...(request.stop ? { signal: request.stop } : {}) });
  checkMachineMac(facts, request);
  return facts;
}

/**
 * install --hosts matched this machine by a MAC it learned from the LAN (mDNS, neighbours), which
 * anyone there can claim: the installer's own interface, read once logged in, must have it.
 */
export function checkMachineMac(facts: Facts, request: InstallRequest): void {
  if (request.expectMac === undefined || facts.connection?.mac === request.expectMac) return;
  throw refusal(
    `this installer's interface has MAC ${facts.connection?.mac ?? 'unknown'}, not ${request.expectMac} as its entry says: another machine answered for it`,
    'nothing was written; check which machine holds that MAC, or match the entry by "fingerprint"',
  );
}

/** Ctrl-C while other machines were being installed: this one stops before its first phase. */
function stopIfAsked(request: InstallRequest): void {
  if (request.stop?.aborted) throw new BootstrapError('stopped (Ctrl-C) before anything was written', ExitCode.aborted);
}

const missingPassphrase = (): never => {
  throw usageError('resuming an encrypted install needs --luks-passphrase-file FILE (or -)');
};

async function execute(
  plan: Plan,
  facts: Facts,
  session: SshSession,
  secrets: Secrets,
  journal: Journal,
  request: InstallRequest,
  reporter: Reporter,
  resume: boolean,
): Promise<number> {
  const run = await startRun({
    plan,
    session,
    secrets,
    journal,
    resume,
    ...(request.logFile ? { logPath: request.logFile } : {}),
    onEvent: (event) => reporter.event(event),
  });
  const logPath = run.logPath;
  const abort = () => {
    if (!run.aborting) reporter.note('Stopping after the running command, then cleaning up… (again to force)');
    // A second time: quit at once; the wizard that sends its own interrupts quits by itself.
    else if (!request.interrupts) process.exit(ExitCode.aborted);
    run.abort();
  };
  const interrupts = request.interrupts ?? process;
  interrupts.on('SIGINT', abort);
  interrupts.on('SIGTERM', abort);
  // Several machines: a Ctrl-C between this machine's confirmation and here reached only `stop`.
  if (request.stop?.aborted) abort();
  try {
    const outcome = await run.outcome;
    if (outcome.status === 'done') {
      reporter.record('result', { status: 'done', logFile: logPath }, `Log: ${logPath}`);
      if (plan.choices.ageKey) reporter.note(`The age key is at ${plan.choices.ageKey.path} on the new system.`);
      if (plan.choices.finish !== 'none')
        reporter.note(
          `Next:\n${nextCommands(plan.choices.flake.host, session.target, facts)
            .map((c) => `  ${c}`)
            .join('\n')}`,
        );
      if (plan.choices.hostKey) await trustNewHostKey(plan.choices.flake.host, plan.choices.hostKey.publicKey, reporter);
      if (request.waitTimeoutMs) await reportReboot(session, request.waitTimeoutMs, plan.choices.hostKey?.publicKey, reporter);
      return ExitCode.ok;
    }
    if (outcome.status === 'failed') {
      reporter.record(
        'result',
        { status: 'failed', phase: outcome.phase, message: outcome.message, logFile: logPath },
        `Stopped at '${outcome.phase}'. Nothing was rebooted. Log: ${logPath}\n${
          // Several machines: the summary gives the command that resumes them (hosts file, shared flags).
          request.stop
            ? 'Fix the cause, then resume it with the command the summary gives.'
            : `Fix the cause, then continue with: nixos-bootstrap install --resume ${formatTarget(session.target)}`
        }`,
      );
      return ExitCode.phaseFailed;
    }
    reporter.record('result', { status: 'aborted', phase: outcome.phase, message: outcome.message, logFile: logPath }, `Log: ${logPath}`);
    return ExitCode.aborted;
  } finally {
    interrupts.off('SIGINT', abort);
    interrupts.off('SIGTERM', abort);
  }
}

/** The new system's key, known before its first boot: record it so the first login is trusted. */
async function trustNewHostKey(host: string, publicKey: string, reporter: Reporter): Promise<void> {
  const [type, blob] = publicKey.split(' ');
  const key = Buffer.from(blob!, 'base64');
  for (const name of [host, `${host}.local`]) await recordHostKey(defaultKnownHostsFile(), name, type!, key);
  reporter.record(
    'host-key-trusted',
    { names: [host, `${host}.local`], fingerprint: fingerprint(key), knownHostsFile: defaultKnownHostsFile() },
    `The new system's host key (${fingerprint(key)}) is recorded for ${host} and ${host}.local in ${defaultKnownHostsFile()}.\n` +
      `  For your own ssh, add to ~/.ssh/known_hosts:  ${host},${host}.local ${type} ${blob}`,
  );
}

async function reportReboot(session: SshSession, timeoutMs: number, expectedPublicKey: string | undefined, reporter: Reporter): Promise<void> {
  const result = await waitForReboot(session.target, session.fingerprint, timeoutMs, (message) => reporter.note(message));
  const expected = expectedPublicKey ? fingerprint(Buffer.from(expectedPublicKey.split(' ')[1]!, 'base64')) : undefined;
  const verdict = result.sameAsInstaller
    ? "it came back with the installer's own key: it booted the installer again (remove the USB stick or fix the boot order)"
    : expected === undefined
      ? "this is the new system's key"
      : expected === result.hostKey.fingerprint
        ? 'it matches the host key given with --host-key'
        : `it does NOT match the host key given with --host-key (${expected})`;
  reporter.record(
    'rebooted',
    {
      fingerprint: result.hostKey.fingerprint,
      sameAsInstaller: result.sameAsInstaller,
      matchesHostKey: expected === undefined ? null : expected === result.hostKey.fingerprint,
      elapsedMs: result.elapsedMs,
    },
    `Back after ${(result.elapsedMs / 1000).toFixed(0)} s with host key ${result.hostKey.fingerprint}: ${verdict}.`,
  );
}

function reportAgeKey(reporter: Reporter, choice: AgeKeyChoice, host: string, targetPath: string, dryRun: boolean): void {
  // A dry run keeps nothing, so a generated key is thrown away: say so before anyone uses it.
  const discarded = choice.generated && dryRun;
  reporter.record(
    'age-key',
    { recipient: choice.key.recipient, localFile: discarded ? null : choice.file, generated: choice.generated, targetPath },
    [
      `Age public key for ${host}:`,
      `    ${choice.key.recipient}`,
      discarded
        ? '  (dry run: this key is not kept; to prepare secrets first, create one with age-keygen -o FILE and pass --age-key FILE)'
        : `  Add it as ${host}'s key (e.g. in secrets/keys.nix), then re-encrypt your secrets (agenix -r).\n  Private key: ${choice.file}${choice.generated ? ' (new, mode 0600)' : ''}; it goes to ${targetPath} on the new system.`,
    ].join('\n'),
  );
}

function pickDisk(facts: Facts, request: InstallRequest, reporter: Reporter): string {
  const { pick, disks } = chooseDisk(facts, {
    requested: request.disk,
    allowLoopDisks: request.allowLoopDisks,
    minSizeBytes: minimumDiskBytes(request.choices, facts.firmware),
  });
  // Nobody reads a recommendation before --yes acts on it: it must be the only possible disk.
  if (request.yes && request.disk === undefined) refuseAmbiguousDisk(disks);
  reporter.record(
    'disk',
    {
      disk: pick.devicePath,
      reason: pick.reason,
      note: pick.note ?? null,
      candidates: disks.map((d) => ({
        path: d.disk.path,
        description: describeCandidate(d),
        eligible: d.eligible,
        why: d.ineligibleReasons,
        external: d.external,
        contents: d.contents,
      })),
    },
    `Disk: ${pick.devicePath} (${pick.reason}${pick.note ? `; ${pick.note}` : ''})`,
  );
  return pick.devicePath;
}

/**
 * The named target, or the one installer discovery found; `pin` is the host key the session must
 * see: --expect-fingerprint, or the key discovery verified.
 */
async function resolveTarget(request: InstallRequest, reporter: Reporter): Promise<{ target: Target; pin?: string }> {
  if (request.target) return { target: request.target, ...(request.expectFingerprint ? { pin: request.expectFingerprint } : {}) };
  const found = await findOneInstaller({ port: request.port, expectFingerprint: request.expectFingerprint });
  reporter.note(`Using the installer found on the LAN: ${formatTarget(found.target)} (${found.fingerprint})`);
  return { target: found.target, pin: found.fingerprint };
}

async function openSession(target: Target, request: InstallRequest, pin: string | undefined, reporter: Reporter): Promise<SshSession> {
  const session = await connect(target, {
    identityFiles: request.identities,
    ...(request.stop ? { signal: request.stop } : {}),
    envPassword: request.envPassword,
    expectFingerprint: pin,
    onEvent: (event) => {
      if (event.type === 'host-key') {
        const { fingerprint, image } = event.info;
        const verified = image ? ` (verified: the key of the installer image ${image.name} made here on ${image.created.slice(0, 10)})` : '';
        reporter.record('host-key', { fingerprint, image: image?.name ?? null }, `Host key of ${formatTarget(target)}: ${fingerprint}${verified}`);
      }
      if (event.type === 'reconnecting') reporter.note(`Connection lost; reconnecting (attempt ${event.attempt})…`);
    },
  });
  reporter.record('target', { target, fingerprint: session.fingerprint });
  return session;
}
