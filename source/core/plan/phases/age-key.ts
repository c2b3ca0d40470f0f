import { underMnt } from '../../defaults.js';
import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { parseAgeKeyFile } from '../../keys/age.js';
import { dirname } from 'node:path';
import { shellQuote as q } from '../shell.js';

/** The key file and its own directory (700) as the installer sees them. */
const onTarget = (path: string) => ({ dir: underMnt(dirname(path)), path: underMnt(path) });

export const ageKey: PhaseDefinition<'age-key'> = {
  id: 'age-key',
  title: 'Hand off the age key to the new system',
  applies: (c): c is PlanContext => c.choices.ageKey !== null,
  commands: (c) => {
    const { dir, path } = onTarget(c.choices.ageKey!.path);
    const temp = q(`${dir}/.${path.slice(dir.length + 1)}.tmp`);
    return [
      { run: `install -d -m 700 -o root -g root ${q(dir)} && chmod 700 ${q(dir)}` },
      // umask first, so the key is 0600 from its first byte; rename makes it appear whole.
      {
        run: `umask 077 && cat > ${temp} && chown root:root ${temp} && chmod 600 ${temp} && sync ${temp} && mv -f ${temp} ${q(path)} && sync`,
        input: { secret: 'age-identity' },
      },
      { run: `stat -c '%a %U %n' ${q(dir)} ${q(path)}` },
    ];
  },
  async verify(plan, run) {
    const { recipient } = plan.choices.ageKey!;
    const { dir, path } = onTarget(plan.choices.ageKey!.path);
    const modes = (await run.session.exec(`stat -c '%a %U' ${q(dir)} ${q(path)}`)).stdout.trim().split('\n');
    if (modes[0] !== '700 root' || modes[1] !== '600 root') {
      throw new Error(`${dir} and ${path} should be 700/600 root, found ${modes.join(' and ') || 'nothing'}`);
    }
    // Read it back and derive the recipient: proves the key on disk is the one shown to the user.
    const written = await parseAgeKeyFile(await run.readSecretOutput(`cat ${q(path)}`), path).catch(() => null);
    if (written?.recipient !== recipient) {
      throw new Error(`the key read back from ${path} does not match the public key ${recipient}`);
    }
  },
};
