import { Box } from 'ink';
import { useWizard } from '../wizard-context.js';
import { canGoBack } from '../state/steps.js';
import { KeyLine, type KeyHint } from './KeyLine.js';

export type { KeyHint };

/** The keys that work right now, one line; Esc/help/quit are added where they apply. */
export function Footer({ hints, quit = 'quit' }: { hints: readonly KeyHint[]; quit?: string | null }) {
  const { state, size, closing } = useWizard();
  if (closing) return null;
  const all: KeyHint[] = [...hints];
  if (canGoBack(state) && !hints.some(([key]) => key.includes('Esc'))) all.push(['Esc', 'back']);
  all.push(['?', 'help']);
  if (quit) all.push(['Ctrl-C', quit]);
  return (
    <Box width={size.columns}>
      <KeyLine hints={all} />
    </Box>
  );
}
