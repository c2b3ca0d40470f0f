import { useCallback, useEffect, useRef } from 'react';
import { useInput, type Key } from 'ink';
import { useWizard } from '../wizard-context.js';

/**
 * A screen's key handler; silent while the help overlay is open. The subscription is stable and
 * always calls the handler of the latest render, so a key that arrives right after a render
 * (before effects ran) never sees the previous screen's data.
 */
export function useKeys(handler: (input: string, key: Key) => void, active = true): void {
  const { state, closing } = useWizard();
  const enabled = active && !state.help && !closing;
  useLatestInput((input, key) => {
    // Ctrl-C and Esc belong to the App (quit/stop, back); screens see everything else.
    if (!enabled || (key.ctrl && input === 'c') || key.escape) return;
    handler(input, key);
  });
}

/**
 * useInput with one subscription for the component's life that calls the newest handler.
 * Whether a handler wants a key is decided inside it, from the latest render: toggling
 * useInput's isActive re-subscribes in an effect, and a key typed before that effect ran
 * would be lost (fast typists, tmux send-keys).
 */
export function useLatestInput(handler: (input: string, key: Key) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  const stable = useCallback((input: string, key: Key) => latest.current(input, key), []);
  useInput(stable);
}

/** While `active`, Esc calls `handler` instead of going back a screen. */
export function useEscape(handler: () => void, active = true): void {
  const { keys } = useWizard();
  useEffect(() => {
    if (!active) return;
    const stack = keys.escapeHandlers.current;
    stack.push(handler);
    return () => {
      const index = stack.lastIndexOf(handler);
      if (index >= 0) stack.splice(index, 1);
    };
  }, [handler, active, keys]);
}
