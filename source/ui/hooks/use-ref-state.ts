import { useCallback, useRef, useState } from 'react';

/**
 * State whose newest value a key handler can read at once: Ink hands keys that arrive in one chunk
 * (tmux, SSH, a busy machine) to the same handler one after the other, before React renders
 * again, so ↓ then Enter must act on the row ↓ moved to, not on the one rendered.
 */
export function useRefState<T>(initial: T): [value: T, set: (next: T) => void, latest: () => T] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((next: T) => {
    ref.current = next;
    setValue(next);
  }, []);
  const latest = useCallback(() => ref.current, []);
  return [value, set, latest];
}
