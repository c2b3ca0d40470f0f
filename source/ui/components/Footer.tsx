import { Box, Text } from 'ink';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';
import { canGoBack } from '../state/steps.js';

export type KeyHint = readonly [key: string, action: string];

/** The keys that work right now, one line; Esc/help/quit are added where they apply. */
export function Footer({ hints, quit = 'quit' }: { hints: readonly KeyHint[]; quit?: string | null }) {
  const { state, size, closing } = useWizard();
  const theme = useTheme();
  if (closing) return null;
  const all: KeyHint[] = [...hints];
  if (canGoBack(state) && !hints.some(([key]) => key.includes('Esc'))) all.push(['Esc', 'back']);
  all.push(['?', 'help']);
  if (quit) all.push(['Ctrl-C', quit]);
  return (
    <Box width={size.columns}>
      <Text wrap="truncate-end">
        {all.map(([key, action], index) => (
          <Text key={`${key}-${action}`}>
            {index > 0 ? <Text color={theme.muted}> · </Text> : null}
            <Text bold color={theme.key}>
              {key}
            </Text>
            <Text color={theme.muted}> {action}</Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}
