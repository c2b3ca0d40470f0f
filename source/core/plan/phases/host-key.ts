import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

export const hostKeyPath = (type: string) => `/mnt/etc/ssh/ssh_host_${type}_key`;

export const hostKey: PhaseDefinition<'host-key'> = {
  id: 'host-key',
  title: 'Give the new system its SSH host key',
  applies: (c): c is PlanContext => c.choices.hostKey !== null,
  commands: (c) => {
    const { publicKey, type } = c.choices.hostKey!;
    const path = hostKeyPath(type);
    const temp = `${path}.tmp`;
    return [
      { run: 'install -d -m 755 /mnt/etc/ssh' },
      { run: `umask 077 && cat > ${q(temp)} && chmod 600 ${q(temp)} && mv -f ${q(temp)} ${q(path)}`, input: { secret: 'host-key' } },
      { run: `printf '%s\\n' ${q(publicKey)} > ${q(`${path}.pub`)} && chmod 644 ${q(`${path}.pub`)}` },
    ];
  },
  async verify(plan, run) {
    const { publicKey, type } = plan.choices.hostKey!;
    // ssh-keygen derives the public half from the private file written: the pair is whole.
    const derived = await run.session.exec(`ssh-keygen -y -f ${q(hostKeyPath(type))}`);
    const keyPart = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');
    if (derived.code !== 0 || keyPart(derived.stdout) !== keyPart(publicKey)) {
      throw new Error(`the host key written to ${hostKeyPath(type)} does not match ${keyPart(publicKey).slice(0, 40)}…`);
    }
  },
};
