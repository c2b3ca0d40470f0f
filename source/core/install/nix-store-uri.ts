import type { Target } from '../ssh/types.js';

/**
 * The store of the new system as `nix copy --to` wants it. Nix needs a link-local address
 * written with its zone URL-encoded: [fe80::47%25eth0] (a Nix bug with a bare %).
 */
export function nixStoreUri(target: Target): string {
  const host = target.host.includes(':') ? `[${target.host}${target.interface ? `%25${target.interface}` : ''}]` : target.host;
  return `ssh://${target.user}@${host}?remote-store=local?root=/mnt`;
}
