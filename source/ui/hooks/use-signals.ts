import { useEffect } from 'react';

/**
 * SIGINT and SIGTERM from outside (kill, a closed terminal's parent) go where Ctrl-C goes: Ink
 * reads Ctrl-C as a key in raw mode, so without this a signal would end the process mid-command.
 */
export function useSignals(handler: (signal: 'SIGINT' | 'SIGTERM') => void): void {
  useEffect(() => {
    const onInt = () => handler('SIGINT');
    const onTerm = () => handler('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  }, [handler]);
}
