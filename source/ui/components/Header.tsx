import { Box, Text } from 'ink';
import { visibleSteps } from '../state/steps.js';
import { stepTitles } from '../state/wizard-state.js';
import { useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

const product = 'nixos-bootstrap';

/** One line: the product and where we are among the screens this run shows. */
export function Header() {
  const { state, size } = useWizard();
  const theme = useTheme();
  const steps = visibleSteps(state);
  const current = steps.indexOf(state.step);
  const full = steps.map((step) => stepTitles[step]).join(' › ');
  const withProduct = product.length + 2 + full.length <= size.columns;
  if (!withProduct && full.length > size.columns) {
    return (
      <Box width={size.columns}>
        <Text wrap="truncate-end">
          <Text bold color={theme.accent}>
            {product}
          </Text>
          <Text color={theme.muted}>
            {' '}
            step {current + 1}/{steps.length} ·{' '}
          </Text>
          <Text bold>{stepTitles[state.step]}</Text>
        </Text>
      </Box>
    );
  }
  return (
    <Box width={size.columns}>
      <Text wrap="truncate-end">
        {withProduct ? (
          <Text>
            <Text bold color={theme.accent}>
              {product}
            </Text>
            <Text> </Text>
          </Text>
        ) : null}
        {steps.map((step, index) => (
          <Text key={step}>
            {index > 0 ? <Text color={theme.muted}> › </Text> : null}
            {index === current ? (
              <Text bold underline>
                {stepTitles[step]}
              </Text>
            ) : (
              <Text color={index < current ? theme.ok : theme.muted} dimColor={index > current}>
                {stepTitles[step]}
              </Text>
            )}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
