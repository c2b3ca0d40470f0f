import { refusal } from '../exit-codes.js';
import type { Facts } from '../facts/types.js';
import { phaseDefinitions } from './phases/index.js';
import { describeDisk } from './describe.js';
import { hasDisk, layoutLuks, minimumDiskBytes, planContext } from './plan-context.js';
import { formatBytes, GiB } from './sizes.js';
import type { Choices, Plan } from './types.js';

/**
 * The whole install as data: every phase with its exact commands, what it destroys and how to
 * tell it is already done. Pure: the same facts and choices always give the same plan.
 */
export function plan(facts: Facts, choices: Choices): Plan {
  const context = planContext(facts, choices);
  const disk = hasDisk(context) ? context.disk : null;
  if (disk && disk.sizeBytes < minimumDiskBytes(choices, facts.firmware)) {
    throw refusal(`${describeDisk(disk)} is too small for this layout`, `it needs at least ${formatBytes(minimumDiskBytes(choices, facts.firmware))}`);
  }
  const planned = phaseDefinitions
    .filter((phase) => phase.applies(context))
    .map((phase) => ({
      id: phase.id,
      title: phase.title,
      commands: phase.commands(context),
      destroys: phase.destroys?.(context) ?? [],
      ...(phase.doneCheck ? { doneCheck: phase.doneCheck(context) } : {}),
      ...(phase.cleanUp ? { cleanUp: phase.cleanUp(context) } : {}),
    }));
  return {
    choices,
    disk: hasDisk(context)
      ? {
          path: context.disk.path,
          byId: context.diskRef !== context.disk.path ? context.diskRef : undefined,
          sizeBytes: context.disk.sizeBytes,
          description: describeDisk(context.disk),
        }
      : null,
    phases: planned,
    warnings: warnings(facts, choices),
  };
}

function warnings(facts: Facts, choices: Choices): string[] {
  const list: string[] = [];
  if (layoutLuks(choices.layout)) {
    list.push('At boot the passphrase is typed with a US keyboard layout unless your configuration sets console.keyMap (and boot.initrd for it).');
  }
  if (facts.firmware === 'bios' && choices.layout.kind === 'labels') {
    list.push(`The target boots with BIOS: a BIOS boot partition is added; your configuration needs GRUB with boot.loader.grub.device = "${choices.disk}".`);
  }
  if (facts.memoryBytes > 0 && facts.memoryBytes < 2 * GiB && !choices.tmpstore) {
    list.push(`The installer has ${formatBytes(facts.memoryBytes)} of RAM; large systems may not fit in its store. Consider --tmpstore.`);
  }
  if (choices.layout.kind === 'disko') {
    list.push("The flake's disko config decides the partitions; disko runs only if `nix eval` shows that it formats this disk and no other.");
  }
  if (!choices.ageKey) list.push('No age key is handed off: secrets encrypted to the host will not decrypt on first boot.');
  return list;
}
