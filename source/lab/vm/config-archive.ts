import type { CpioEntry } from './cpio-newc.js';
import { avahiConfig, sshdConfig } from '../host-files.js';
import { guestInterface, hostKeyOnMediumMarker, passwd } from './guest-files.js';

// The per-lab part of the VM's initramfs: a small second cpio archive appended after the cached
// base (the kernel unpacks concatenated archives in order, later files replacing earlier ones).

export interface GuestConfig {
  hostname: string;
  /** OpenSSH private host key (ed25519), and its public half; absent when the boot medium brings it. */
  hostKey?: string;
  hostPublicKey?: string;
  authorizedKeys: string;
  /** crypt(3) hash for root; also turns on sshd password authentication. */
  passwordHash?: string;
  /** Optional IPv4 address with prefix (e.g. 169.254.0.47/16), so avahi can publish an A record. */
  ipv4Address?: string;
  /**
   * Like the stock NixOS ISO: no avahi, no fe80::47, a `nixos` user holding `authorizedKeys` with
   * passwordless sudo, and root refusing the user's key (only the lab's own back-door key, for tests).
   */
  stockIso?: { backDoorKey: string };
}

const hostnamePattern = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export function configEntries(config: GuestConfig): CpioEntry[] {
  if (!hostnamePattern.test(config.hostname)) throw new Error(`lab: '${config.hostname}' is not a valid host name`);
  if (config.passwordHash !== undefined && !/^\$[0-9a-z]+\$[^:\n]+$/.test(config.passwordHash)) {
    throw new Error('lab: passwordHash must be a crypt(3) hash such as $6$…');
  }
  const file = (path: string, data: string, mode = 0o644): CpioEntry => ({ kind: 'file', path, data, mode });
  const withNewline = (text: string) => (text.endsWith('\n') || text === '' ? text : `${text}\n`);
  // '*' and not '!': without PAM, sshd refuses every login (keys too) to a '!'-locked account.
  const rootHash = config.passwordHash ?? '*';
  return [
    // Explicit, because an implied parent would be unpacked 0755 over the base's 0700.
    { kind: 'dir', path: 'root', mode: 0o700 },
    { kind: 'dir', path: 'root/.ssh', mode: 0o700 },
    file('etc/hostname', `${config.hostname}\n`),
    file('etc/hosts', `127.0.0.1 localhost\n::1 localhost\n127.0.0.2 ${config.hostname}\n`),
    file('etc/shadow', `root:${rootHash}:19000:0:99999:7:::\nsshd:*:19000::::::\navahi:*:19000::::::\nnobody:*:19000::::::\nnixos:*:19000::::::\n`, 0o600),
    file('etc/ssh/sshd_config', sshdConfig('/etc/ssh/ssh_host_ed25519_key', config.passwordHash !== undefined)),
    ...(config.hostKey !== undefined && config.hostPublicKey !== undefined
      ? [file('etc/ssh/ssh_host_ed25519_key', withNewline(config.hostKey), 0o600), file('etc/ssh/ssh_host_ed25519_key.pub', withNewline(config.hostPublicKey))]
      : [file(hostKeyOnMediumMarker.slice(1), '')]),
    file('root/.ssh/authorized_keys', withNewline(config.stockIso ? config.stockIso.backDoorKey : config.authorizedKeys), 0o600),
    ...(config.stockIso
      ? [
          file('etc/passwd', `${passwd}nixos:x:1000:100:NixOS:/home/nixos:/bin/bash\n`),
          { kind: 'dir', path: 'home/nixos', mode: 0o755 } as const,
          // Readable by nixos: sshd reads authorized_keys as the user, and every file here is root's.
          { kind: 'dir', path: 'home/nixos/.ssh', mode: 0o755 } as const,
          file('home/nixos/.ssh/authorized_keys', withNewline(config.authorizedKeys), 0o644),
          file('etc/lab/stock-iso', ''),
        ]
      : []),
    file('etc/avahi/avahi-daemon.conf', avahiConfig(config.hostname, [guestInterface], false)),
    file('etc/lab/ipv4', config.ipv4Address ? `${config.ipv4Address}\n` : ''),
  ];
}
