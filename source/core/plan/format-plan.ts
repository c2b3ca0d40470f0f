import { diskEncryptionKeyIndex, type CommandInput, type Plan, type PlannedCommand, type SecretName } from './types.js';

const secretNames: Record<string, string> = { 'luks-passphrase': 'LUKS passphrase', 'age-identity': 'age identity', 'host-key': 'SSH host key' };
const secretName = (name: SecretName) => secretNames[name] ?? `disk encryption key ${diskEncryptionKeyIndex(name)! + 1}`;

const inputNote = (input: CommandInput): string => {
  if ('secret' in input) return `  < <redacted ${secretName(input.secret)}>`;
  if ('directory' in input) return `  < tar of ${input.directory}`;
  if ('tree' in input) return `  < tar of every file in ${input.tree} (owned by root)`;
  return `  < output of: ${input.localCommand}`;
};

/** One display line per command: the exact command, where it runs, and what it reads (secrets never shown). */
export const formatCommand = (command: PlannedCommand) =>
  `${command.where === 'local' ? '(here) ' : ''}$ ${command.run}${command.input ? inputNote(command.input) : ''}`;

/** The plan as plain text lines, for --dry-run and the review screen. */
export function formatPlan(plan: Plan): string[] {
  const lines: string[] = [];
  if (plan.disk) {
    lines.push(`Target disk: ${plan.disk.description}${plan.disk.byId ? `\n             ${plan.disk.byId}` : ''}`);
  }
  plan.phases.forEach((phase, index) => {
    lines.push(`${index + 1}. ${phase.title}`);
    for (const destroyed of phase.destroys) lines.push(`   DESTROYS ${destroyed}`);
    for (const command of phase.commands) lines.push(`     ${formatCommand(command)}`);
  });
  if (plan.warnings.length) {
    lines.push('Before you go on:');
    for (const warning of plan.warnings) lines.push(`  ! ${warning}`);
  }
  return lines;
}
