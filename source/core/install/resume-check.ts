// Before --resume touches anything: is this still the machine and the disk the run started on?
// A path such as /dev/sda may name another disk after a reboot or a replug, and an installer
// image with a baked-in host key can answer on another machine: both are refused (exit 3).
import { refusal } from '../exit-codes.js';
import { assessDisk, stablePath } from '../facts/disks.js';
import type { Disk, Facts } from '../facts/types.js';
import { formatBytes } from '../plan/sizes.js';
import type { Choices, Plan } from '../plan/types.js';

/** What identifies a disk across reboots: not its kernel name. */
export interface DiskIdentity {
  path: string;
  byId: string[];
  serial?: string;
  sizeBytes: number;
}

export function diskIdentity(disk: Disk): DiskIdentity {
  return { path: disk.path, byId: disk.byId, ...(disk.serial ? { serial: disk.serial } : {}), sizeBytes: disk.sizeBytes };
}

const describe = (id: DiskIdentity) => `${id.byId[0] ?? id.path}, ${formatBytes(id.sizeBytes)}${id.serial ? `, serial ${id.serial}` : ''}`;

function sameDisk(was: DiskIdentity, now: DiskIdentity): boolean {
  if (was.sizeBytes !== now.sizeBytes) return false;
  if (was.serial && now.serial) return was.serial === now.serial;
  // Without serials (virtual disks, loop disks), a shared by-id name or the same path must do.
  return was.byId.some((name) => now.byId.includes(name)) || (was.byId.length === 0 && now.byId.length === 0 && was.path === now.path);
}

export interface ResumeIdentity {
  disk?: DiskIdentity;
  /** MAC of the installer's link the run came in on. */
  mac?: string;
}

/** What a new run records in its journal: the disk it plans to write and the installer's MAC. */
export function resumeIdentity(facts: Facts, plan: Plan): ResumeIdentity {
  const disk = plan.disk ? facts.disks.find((d) => d.path === plan.disk!.path) : undefined;
  const mac = facts.connection?.mac;
  return { ...(disk ? { disk: diskIdentity(disk) } : {}), ...(mac ? { mac } : {}) };
}

/**
 * Refuses to resume when the installer's MAC or the disk changed, the disk became the boot medium,
 * or it is no longer eligible for another reason than this run's own mounts and LUKS mapping.
 */
export function checkResumeIdentity(recorded: ResumeIdentity, choices: Choices, facts: Facts, options: { allowLoopDisks?: boolean } = {}): void {
  const mac = facts.connection?.mac;
  if (recorded.mac && mac && recorded.mac !== mac) {
    throw refusal(
      `refusing to resume: the installer answering with this host key has MAC ${mac}, the run started on ${recorded.mac}`,
      'another machine booted the same installer image (same host key); run the install again without --resume on the right one',
    );
  }
  if (choices.layout.kind === 'mounted' || !recorded.disk) return;
  const disk = facts.disks.find((d) => d.path === choices.disk || d.byId.includes(choices.disk) || d.name === choices.disk);
  if (!disk) throw refusal(`refusing to resume: disk ${choices.disk} (${describe(recorded.disk)}) is gone from the target`, 'nothing was changed');
  const now = diskIdentity(disk);
  if (!sameDisk(recorded.disk, now)) {
    throw refusal(
      `refusing to resume: ${choices.disk} is now another disk (${describe(now)}); the run started on ${describe(recorded.disk)}`,
      'nothing was changed; start again without --resume and confirm the disk',
    );
  }
  // This run's own work (mounts under /mnt, its LUKS mapping) does not make the disk ineligible.
  const luksName = choices.layout.kind === 'labels' && choices.layout.luks ? choices.layout.luks.name : undefined;
  const ours = (reason: string) => /^mounted: (\/mnt(\/\S*)?|\[SWAP\])(, (\/mnt(\/\S*)?|\[SWAP\]))*$/.test(reason) || (luksName !== undefined && reason === `in use: ${luksName} (crypt)`);
  const reasons = assessDisk(disk, facts, options).ineligibleReasons.filter((reason) => !ours(reason));
  if (reasons.length > 0) throw refusal(`refusing to resume on ${stablePath(disk)}: ${reasons.join('; ')}`, 'nothing was changed');
}
