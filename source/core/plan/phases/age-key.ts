import { ageKeyDir, ageKeyPath } from '../../defaults.js';
import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { parseAgeKeyFile } from '../../keys/age.js';
import { shellQuote as q } from '../shell.js';

export const ageKey: PhaseDefinition<'age-key'> = {
  id: 'age-key',
  title: 'Hand off the age key to the new system',
  applies: (c): c is PlanContext => c.choices.ageKey !== null,
  commands: (c) => {
    const path = q(ageKeyPath(c.choices.ageKey!.fileName));
    const temp = q(`${ageKeyDir}/.${c.choices.ageKey!.fileName}.tmp`);
    return [
      { run: `install -d -m 700 -o root -g root ${ageKeyDir} && chmod 700 ${ageKeyDir}` },
      // umask first, so the key is 0600 from its first byte; rename makes it appear whole.
      { run: `umask 077 && cat > ${temp} && chown root:root ${temp} && chmod 600 ${temp} && sync ${temp} && mv -f ${temp} ${path} && sync`, input: { secret: 'age-identity' } },
      { run: `stat -c '%a %U %n' ${ageKeyDir} ${path}` },
    ];
  },
  async verify(plan, run) {
    const { fileName, recipient } = plan.choices.ageKey!;
    const path = ageKeyPath(fileName);
    const modes = (await run.session.exec(`stat -c '%a %U' ${q(ageKeyDir)} ${q(path)}`)).stdout.trim().split('\n');
    if (modes[0] !== '700 root' || modes[1] !== '600 root') {
      throw new Error(`${ageKeyDir} and ${path} should be 700/600 root, found ${modes.join(' and ') || 'nothing'}`);
    }
    // Read it back and derive the recipient: proves the key on disk is the one shown to the user.
    const written = await parseAgeKeyFile(await run.readSecretOutput(`cat ${q(path)}`), path).catch(() => null);
    if (written?.recipient !== recipient) {
      throw new Error(`the key read back from ${path} does not match the public key ${recipient}`);
    }
  },
};
