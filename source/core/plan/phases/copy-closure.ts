import type { PhaseDefinition } from '../phase.js';
import type { PlanContext } from '../plan-context.js';
import { shellQuote as q } from '../shell.js';

/** The built system's store path, as written on the target for the install phase. */
export const systemPathFile = '/tmp/nixos-bootstrap/system-path';
const outLink = (host: string) => `/tmp/nixos-bootstrap-${host}-system`;

export const copyClosure: PhaseDefinition<'copy-closure'> = {
  id: 'copy-closure',
  title: 'Build the system here and copy it to the new disk',
  applies: (c): c is PlanContext => c.choices.install.mode === 'copy',
  commands: (c) => {
    const { uri, host } = c.choices.flake;
    const link = outLink(host);
    return [
      { where: 'local', run: `nix build ${q(`${uri}#nixosConfigurations.${host}.config.system.build.toplevel`)} --out-link ${link}` },
      // NIX_STORE_URI is filled in by the runner: link-local addresses must be written [fe80::…%25iface].
      { where: 'local', run: `nix copy --no-check-sigs --to "$NIX_STORE_URI" "$(readlink -f ${link})"`, interruptible: true },
      { run: `mkdir -p /tmp/nixos-bootstrap && cat > ${systemPathFile}`, input: { localCommand: `readlink -f ${link}` } },
    ];
  },
};
