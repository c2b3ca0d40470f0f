import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BootstrapError, ExitCode, usageError } from '../core/exit-codes.js';
import { parseFlags } from '../flags/parse-flags.js';
import { LabError, isLabUp, labDown, labUp, readLabState } from './lab.js';
import { defaultLabId, staticLinkLocal, type InstallerSpec } from './lab-spec.js';
import type { LabState } from './lab-state.js';
import { inHost } from './run-command.js';

export const labHelp = `Usage: nixos-bootstrap lab <up|down|status|shell> [options]

A simulated NixOS live installer on this machine, built from real parts (network namespaces,
OpenSSH, avahi, loop disks; with --vm a qemu VM with a real kernel). Linux and root only.

  lab up [--installers N] [--vm] [--efi] [--shared-link] [--ipv4] [--name HOST]...
      --installers N   netns installers to create (default 1, or 0 with --vm)
      --vm             also boot the VM installer (real dm-crypt, GPT, vfat, udev)
      --efi            boot the VM with OVMF (UEFI) instead of BIOS
      --shared-link    put all installers on one link (avahi renames twins: bootstrap-2.local)
      --ipv4           give installers IPv4 addresses too (default: IPv6 link-local only)
      --mounted-layout lay out each installer's disk for install --layout mounted (ext4 boot
                       and nixos partitions, by-label links): what a netns installer can install
      --name HOST      avahi host name of installer 1, 2, … (default bootstrap)
      --installer-dir DIR   installer 1 (and the VM) boot as the image that nixos-bootstrap
                       installer wrote to DIR would: its name, host key and authorized keys
      Set NB_LAB_PASSWORD to make sshd accept that root password as well as the lab key.
  lab down             stop and remove everything the lab created
  lab status [--json]  show what is up
  lab shell [--installer N] [-- CMD ARGS…]
                       run CMD (default: a shell) on the laptop, or on installer N

  --id ID              lab name (default $NB_LAB or '${defaultLabId}'); labs with different ids run side by side
`;

const options = {
  id: { type: 'string' },
  installers: { type: 'string' },
  installer: { type: 'string' },
  vm: { type: 'boolean' },
  efi: { type: 'boolean' },
  'shared-link': { type: 'boolean' },
  ipv4: { type: 'boolean' },
  'mounted-layout': { type: 'boolean' },
  name: { type: 'string', multiple: true },
  'installer-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const dashDash = argv.indexOf('--');
  const command = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
  const { values, positionals } = parseFlags(dashDash >= 0 ? argv.slice(0, dashDash) : argv, options, labHelp);
  const [action, ...extra] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(labHelp);
    return action === undefined && !values.help ? ExitCode.usage : ExitCode.ok;
  }
  if (extra.length) throw usageError(`unexpected argument '${extra[0]}'`, "put the command after '--': lab shell -- ip addr");
  const id = values.id ?? process.env.NB_LAB ?? defaultLabId;
  try {
    switch (action) {
      case 'up':
        return await up(id, values);
      case 'down':
        return await down(id);
      case 'status':
        return await status(id, values.json === true);
      case 'shell':
        return await shell(id, values.installer, command);
      default:
        throw usageError(`unknown lab action '${action}'`, 'expected up, down, status or shell');
    }
  } catch (error) {
    if (error instanceof LabError) throw new BootstrapError(`lab: ${error.message}`, ExitCode.usage);
    throw error;
  }
}

async function up(
  id: string,
  values: {
    installers?: string;
    vm?: boolean;
    efi?: boolean;
    'shared-link'?: boolean;
    ipv4?: boolean;
    'mounted-layout'?: boolean;
    name?: string[];
    'installer-dir'?: string;
  },
): Promise<number> {
  const count = values.installers === undefined ? (values.vm ? 0 : 1) : Number(values.installers);
  if (!Number.isInteger(count) || count < 0 || count > 16) throw usageError('--installers wants a whole number from 0 to 16');
  if (count === 0 && !values.vm) throw usageError('nothing to start: --installers 0 without --vm');
  if (await isLabUp(id)) {
    process.stderr.write(`lab '${id}' is already up. 'nixos-bootstrap lab status' shows it; 'lab down' removes it.\n`);
    return ExitCode.usage;
  }
  const password = process.env.NB_LAB_PASSWORD || undefined;
  const installers: InstallerSpec[] = Array.from({ length: count }, (_, i) => ({
    hostname: values.name?.[i] ?? 'bootstrap',
    ipv4: values.ipv4 === true,
    mountedLayout: values['mounted-layout'] === true,
    password,
    ...(i === 0 && values['installer-dir'] !== undefined ? { installerDir: resolve(values['installer-dir']) } : {}),
  }));
  const state = await labUp(
    {
      id,
      installers,
      sharedLink: values['shared-link'] === true,
      vm: values.vm
        ? { efi: values.efi === true, password, ...(values['installer-dir'] !== undefined ? { installerDir: resolve(values['installer-dir']) } : {}) }
        : null,
    },
    (message) => process.stderr.write(`lab: starting ${message}…\n`),
  );
  process.stdout.write(describe(state));
  return ExitCode.ok;
}

async function down(id: string): Promise<number> {
  const report = await labDown(id);
  if (!report.wasUp) {
    process.stdout.write(`lab '${id}' is not up: nothing to remove.\n`);
    return ExitCode.ok;
  }
  process.stdout.write(
    `lab '${id}' is down: ${report.killed} processes stopped, namespaces ${report.namespaces.join(', ') || 'none'} removed, loop devices ${report.loops.join(', ') || 'none'} detached.\n`,
  );
  return ExitCode.ok;
}

async function status(id: string, json: boolean): Promise<number> {
  const state = await readLabState(id);
  if (!state) {
    if (json) process.stdout.write('null\n');
    else process.stdout.write(`lab '${id}' is not up.\n`);
    return ExitCode.ok;
  }
  process.stdout.write(json ? `${JSON.stringify(state, null, 2)}\n` : describe(state));
  return ExitCode.ok;
}

async function shell(id: string, installer: string | undefined, command: string[]): Promise<number> {
  const state = await readLabState(id);
  if (!state) throw usageError(`lab '${id}' is not up`, "start it with 'nixos-bootstrap lab up'");
  let anchor = state.laptop.anchorPid;
  if (installer !== undefined) {
    const host = state.installers.find((i) => i.index === Number(installer));
    if (!host) throw usageError(`lab '${id}' has no installer ${installer}`);
    anchor = host.anchorPid;
  }
  // The laptop's HOME is the lab home (ssh key, tool config); drop this machine's agent and XDG dirs.
  // Entering the namespaces resets the working directory: keep the caller's.
  const env = [
    'env',
    '-u',
    'SSH_AUTH_SOCK',
    '-u',
    'XDG_CONFIG_HOME',
    '-u',
    'XDG_STATE_HOME',
    '-u',
    'XDG_CACHE_HOME',
    '-C',
    process.cwd(),
    'HOME=/root',
    'USER=root',
  ];
  const argv = inHost(anchor, [...env, ...(command.length ? command : ['bash', '-i'])]);
  const result = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  return result.status ?? ExitCode.phaseFailed;
}

function describe(state: LabState): string {
  const lines = [`lab '${state.id}' is up (since ${state.createdAt}); laptop namespace ${state.laptop.netns}`];
  for (const i of state.installers) {
    lines.push(
      `  installer ${i.index}: ${i.hostname}.local  ssh root@${i.hasStaticLinkLocal ? staticLinkLocal : i.eui64Address}%${i.laptopInterface}` +
        `${i.eui64Address && i.hasStaticLinkLocal ? `  ${i.eui64Address}%${i.laptopInterface}` : ''}${i.ipv4 ? `  ${i.ipv4}` : ''}` +
        `${i.hasStaticLinkLocal ? '' : `  (${staticLinkLocal} lost to a twin on this link)`}`,
      `      host key ${i.hostKeyFingerprint}  disks ${i.disks.map((d) => `${d.device} (${d.role})`).join(', ')}`,
    );
  }
  if (state.vm) {
    lines.push(
      `  VM installer: ${state.vm.hostname}.local  ssh root@${staticLinkLocal}%${state.vm.tap}  ${state.vm.efi ? 'UEFI' : 'BIOS'}, booted in ${state.vm.bootMs} ms`,
      `      host key ${state.vm.hostKeyFingerprint}  console log ${state.vm.consoleLog}`,
    );
  }
  lines.push(`  run on the laptop: nixos-bootstrap lab shell -- <command>   (e.g. nixos-bootstrap discover)`);
  return `${lines.join('\n')}\n`;
}
