import { unreachable, type BootstrapError } from '../exit-codes.js';
import type { Target } from './types.js';

/** Maps a socket/handshake error to the one-line exit-4 message the user sees. */
export function connectError(error: Error & { code?: string; level?: string }, where: string, target: Target): BootstrapError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return unreachable(`connection refused by ${where}`, 'is sshd running on the installer (and on this port)?');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return unreachable(`${where} is unreachable (${error.code})`);
    case 'ETIMEDOUT':
      return unreachable(`timed out connecting to ${where}`);
    case 'ECONNRESET':
    case 'EPIPE':
      return unreachable(`connection to ${where} was reset during the handshake`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return unreachable(`cannot resolve ${target.host}`);
    case 'EINVAL':
      return unreachable(`cannot connect to ${where}: invalid address${target.interface ? ` or no interface '${target.interface}'` : ''}`);
    case 'ENODEV':
      return unreachable(`cannot connect to ${where}: no interface '${target.interface ?? '?'}'`);
    default:
      return unreachable(`cannot connect to ${where}: ${error.message}`);
  }
}
