import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  columns: number;
  rows: number;
}

const fallback: TerminalSize = { columns: 80, rows: 24 };

/** The terminal's size, updated on resize (Ink re-lays out; we re-bound lists and the log tail). */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ columns: stdout.columns || fallback.columns, rows: stdout.rows || fallback.rows });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () =>
      setSize((previous) => {
        const next = read();
        return next.columns === previous.columns && next.rows === previous.rows ? previous : next;
      });
    stdout.on('resize', onResize);
    onResize(); // a resize between the first render and this subscription is not lost
    return () => {
      stdout.off('resize', onResize);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one subscription per stream; onResize reads refs
  }, [stdout]);
  return size;
}
