import { Box, Text } from 'ink';
import { Footer } from '../components/Footer.js';
import { stepTitles, type StepId } from '../state/wizard-state.js';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

export const stepHelp: Record<StepId, string[]> = {
  discover: [
    'Installers announce themselves over mDNS (bootstrap.local, nixos.local) and answer on the',
    'IPv6 address fe80::47 of every link; each one found is checked by reading its SSH host key.',
    '↑↓ pick a row, Enter connects. r searches again. m lets you type an address:',
    '  user@host[:port], e.g. root@192.168.1.20 or root@fe80::47%eth0 (link-local needs its interface).',
  ],
  connect: [
    "Before anything is sent, the installer's host key is shown. On its console, run",
    '  ssh-keygen -lv -f /etc/ssh/ssh_host_ed25519_key.pub',
    'and compare the fingerprint and picture. y trusts the key and logs in (ssh-agent, your keys,',
    'or a password you type); the key stays pinned: a different one later stops the run.',
    'The probe that follows only reads (disks, firmware, os-release).',
  ],
  disk: [
    "Only whole, non-removable disks that hold nothing mounted and are not the installer's own",
    'medium can be chosen; the others are greyed with the reason. ★ marks the recommendation:',
    'EFI boot entry > has an ESP > most partitions > largest. The plan records the by-id path.',
  ],
  layout: [
    'labels: GPT with an ESP, optional swap and root, found later by their labels.',
    "disko: the flake's disko config decides; mounted: you partitioned and mounted by hand.",
    'LUKS2 encrypts root; the passphrase reaches cryptsetup on stdin only, never argv or logs.',
    'Sizes: 512M, 8G, 0 for no swap. ↑↓ move between fields, ←→ or space change a choice.',
  ],
  flake: [
    'flake: nixos-install --flake URI#host on the target. A local path (./config#web) is checked',
    'for flake.nix and uploaded. clone: git clone on the target. prebuilt: a closure already in',
    "the installer's store. copy: build here and copy the closure over.",
  ],
  hardware: [
    "A local flake without the host's hardware-configuration.nix or facter.json: the new system may",
    "lack its disk's driver in the initrd and not boot. The installer describes its hardware",
    '(read-only): nixos-generate-config writes a NixOS module, nixos-facter a JSON report. The file',
    "goes into the flake (git add -N; a dry run writes nothing); the host's configuration must import it.",
  ],
  keys: [
    "agenix/sops secrets are decrypted on first boot with the host's age key. A new key is saved",
    'here at once (0600), so you can stop (s), add its public key to your secrets, re-encrypt',
    '(agenix -r) and come back with --age-key FILE. The check opens every *.age header in secrets/.',
  ],
  review: [
    'Every command that will run, in order; secrets appear as <redacted>. Nothing has been',
    "changed yet. Type the disk's name to start: that is the only confirmation.",
  ],
  install: [
    'Phases run one after another over the same SSH connection; the full log is in the log file.',
    "Ctrl-C asks first, then stops after the running command and undoes this run's mounts and",
    'LUKS mappings; nixos-bootstrap install --resume carries on later.',
  ],
  done: [
    'The new system is on the disk with its age key in /etc/age.',
    'After a failed phase, r runs the plan again from there: phases already done are',
    'checked on the target and skipped.',
  ],
};

export function HelpScreen() {
  const { state, bodyRows } = useWizard();
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text bold>Help: {stepTitles[state.step]}</Text>
        <Text> </Text>
        {stepHelp[state.step].map((line, index) => (
          <Text key={index} wrap="truncate-end">
            {line}
          </Text>
        ))}
        <Text> </Text>
        <Text bold>Everywhere</Text>
        <Text wrap="truncate-end">
          <Text color={theme.key}>Esc</Text> back a screen (answers are kept) · <Text color={theme.key}>?</Text> this help ·{' '}
          <Text color={theme.key}>Ctrl-C</Text> quit (during the install: stop safely)
        </Text>
        <Text color={theme.muted} wrap="truncate-end">
          Flags fill screens in advance: nixos-bootstrap --help lists them; nixos-bootstrap install runs without a terminal.
        </Text>
      </Box>
      <Footer hints={[['Esc/?', 'close help']]} />
    </Box>
  );
}
