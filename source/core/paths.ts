import { homedir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';

// XDG base directories; a relative XDG value is invalid by the spec and ignored.
const xdg = (value: string | undefined, fallback: string) => (value && value.startsWith('/') ? value : join(homedir(), fallback));

/** Where run journals and log files live: $XDG_STATE_HOME/nixos-bootstrap or ~/.local/state/nixos-bootstrap. */
export const stateDir = (env: NodeJS.ProcessEnv = process.env) => join(xdg(env.XDG_STATE_HOME, '.local/state'), 'nixos-bootstrap');

/** The tool's configuration (its own known_hosts): $XDG_CONFIG_HOME/nixos-bootstrap or ~/.config/nixos-bootstrap. */
export const configDir = (env: NodeJS.ProcessEnv = process.env) => join(xdg(env.XDG_CONFIG_HOME, '.config'), 'nixos-bootstrap');

/** What can be made again (compiled code): $XDG_CACHE_HOME/nixos-bootstrap or ~/.cache/nixos-bootstrap. */
export const cacheDir = (env: NodeJS.ProcessEnv = process.env) => join(xdg(env.XDG_CACHE_HOME, '.cache'), 'nixos-bootstrap');

/** `~` and `~/…` as a shell would expand them; anything else unchanged. */
export const expandHome = (path: string) => (path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path);

/** The reverse for showing a path: `~/…` for one under `home`. */
export const tildePath = (path: string, home: string | undefined) => (home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path);

/** `path` is `dir` or below it, as written (resolve links first where they matter). */
export function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
