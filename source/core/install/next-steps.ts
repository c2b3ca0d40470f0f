// What to type after an install. The installer's address (often fe80::47) is the wrong answer:
// the installed system does not carry it. It can be reached by its host name over mDNS when its
// configuration runs avahi, by the EUI-64 link-local address the kernel derives from the MAC the
// probe saw (unless its configuration turns on stable-privacy addresses), or, reached over IPv4,
// by the address DHCP will most likely give the same network card again.
import { isIP } from 'node:net';
import { isLinkLocalIpv6 } from '../discovery/ipv6.js';
import { macToEui64LinkLocal } from '../discovery/eui64.js';
import type { Facts } from '../facts/types.js';
import { formatTarget } from '../ssh/target.js';
import type { Target } from '../ssh/types.js';

export interface InstalledAddress {
  /** `root@web.local`, `root@fe80::5054:ff:fe47:1%eth0` */
  target: string;
  /** When this address works. */
  note: string;
}

/** The addresses the installed system is expected to answer on, best guess first. */
export function installedSystemAddresses(hostName: string, installer: Target, facts: Facts | undefined): InstalledAddress[] {
  const addresses: InstalledAddress[] = [];
  const mac = facts?.connection?.mac;
  // A link-local address needs the laptop's side of the link: the installer's zone is it.
  if (mac && installer.interface && isLinkLocalIpv6(installer.host)) {
    const target = { ...installer, host: macToEui64LinkLocal(mac), port: 22 };
    addresses.push({ target: formatTarget(target), note: `its EUI-64 link-local address (MAC ${mac})` });
  } else if (isIP(installer.host) && !isLinkLocalIpv6(installer.host)) {
    // Same network card, same DHCP server: usually the same lease.
    addresses.push({ target: formatTarget({ ...installer, port: 22 }), note: 'if the network gives it the installer’s address again' });
  }
  addresses.push({ target: `${installer.user}@${hostName}.local`, note: 'if its configuration announces it over mDNS (avahi)' });
  return addresses;
}

/** The commands to carry on with once the new system has booted. */
export function nextCommands(hostName: string, installer: Target, facts: Facts | undefined, rebuildFlake?: string): string[] {
  const addresses = installedSystemAddresses(hostName, installer, facts);
  const commands = addresses.map((a) => `ssh ${a.target}   # after first boot: ${a.note}; it shows a new host key`);
  if (rebuildFlake) commands.push(`nixos-rebuild switch --flake ${rebuildFlake}#${hostName} --target-host ${addresses[0]!.target}`);
  return commands;
}
