import { Text } from 'ink';
import { useTicker } from '../hooks/use-ticker.js';
import { glyphs, useTheme } from '../theme.js';

const frameMs = 100;

export function Spinner({ active = true }: { active?: boolean }) {
  const theme = useTheme();
  const tick = useTicker(frameMs, active);
  return <Text color={theme.accent}>{glyphs.spinner[tick % glyphs.spinner.length]}</Text>;
}
