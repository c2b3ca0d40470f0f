import { hostNamePattern } from '../defaults.js';
import { usageError } from '../exit-codes.js';
import type { Choices } from './types.js';

export interface FlakeRef {
  /** The flake URI without `#host`. */
  uri: string;
  host: string;
  /** A path on this machine (it has to be uploaded to the target). */
  local: boolean;
}

/** Where a local flake is uploaded to on the target (the live system's RAM, not the new disk). */
export const uploadedFlakeDir = '/tmp/nixos-bootstrap/config';

const remoteSchemes = new Set([
  'github',
  'gitlab',
  'sourcehut',
  'flake',
  'git',
  'git+https',
  'git+http',
  'git+ssh',
  'git+file',
  'https',
  'http',
  'tarball+https',
  'tarball+http',
  'file+https',
  'file+http',
  'hg+https',
  'hg+http',
]);

/** Parses `URI#host` (also `URI#nixosConfigurations.host`); a usage error names what is wrong. */
export function parseFlakeRef(text: string): FlakeRef {
  const hash = text.indexOf('#');
  if (hash < 0) throw usageError(`flake reference '${text}' names no host`, 'write it as URI#host, e.g. github:me/nixos-config#web or .#web');
  const uri = text.slice(0, hash);
  const host = text.slice(hash + 1).replace(/^nixosConfigurations\./, '');
  if (!uri) throw usageError(`flake reference '${text}' has no URI before '#'`, 'use . for the current directory: .#web');
  if (!hostNamePattern.test(host)) throw usageError(`flake reference '${text}': '${host}' is not a host name`, 'write it as URI#host');
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme === undefined || scheme === 'path') return { uri: scheme ? uri.slice('path:'.length) : uri, host, local: true };
  if (!remoteSchemes.has(scheme))
    throw usageError(`flake reference '${text}': unknown scheme '${scheme}:'`, 'e.g. github:owner/repo, git+https://…, path:./dir');
  const rest = uri.slice(scheme.length + 1);
  if (['github', 'gitlab', 'sourcehut'].includes(scheme) && !/^[^/\s]+\/[^/\s]+/.test(rest)) {
    throw usageError(`flake reference '${text}': ${scheme}: needs owner/repository`);
  }
  if (/^(git\+)?(https?|ssh|file)$/.test(scheme) && !/^\/\/?[^\s]+/.test(rest)) {
    throw usageError(`flake reference '${text}' is not a URL`);
  }
  if (/\s/.test(uri)) throw usageError(`flake reference '${text}' contains spaces`);
  return { uri, host, local: false };
}

/** The flake reference as the target sees it. */
export function targetFlake(choices: Pick<Choices, 'flake' | 'install'>): string {
  const { flake, install } = choices;
  if (install.mode === 'clone') return `${install.repoPath}#${flake.host}`;
  if (flake.localPath) return `${uploadedFlakeDir}#${flake.host}`;
  return `${flake.uri}#${flake.host}`;
}
