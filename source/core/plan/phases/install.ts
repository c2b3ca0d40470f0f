import { always, type PhaseDefinition } from '../phase.js';
import { targetFlake } from '../flake-ref.js';
import { shellQuote as q } from '../shell.js';
import { systemPathFile } from './copy-closure.js';

export const install: PhaseDefinition<'install'> = {
  id: 'install',
  title: 'Install NixOS',
  applies: always,
  commands: (c) => {
    const { install: how } = c.choices;
    const source =
      how.mode === 'prebuilt'
        ? `--system ${q(how.systemPath!)}`
        : how.mode === 'copy'
          ? `--system "$(cat ${systemPathFile})"`
          : `--flake ${q(targetFlake(c.choices))}`;
    // No root password prompt (there is no terminal): users log in with keys from the config.
    return [{ run: `nixos-install --root /mnt --no-root-passwd --no-channel-copy ${source}`, interruptible: true }];
  },
  doneCheck: () => 'test -e /mnt/etc/NIXOS && test -L /mnt/nix/var/nix/profiles/system',
};
