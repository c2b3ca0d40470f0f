import { useEffect } from 'react';
import { Box, Text } from 'ink';
import { ExitCode } from '../../core/exit-codes.js';
import { nextCommands } from '../../core/install/next-steps.js';
import { formatTarget } from '../../core/ssh/target.js';
import { Footer } from '../components/Footer.js';
import { printable } from '../../core/logs/printable.js';
import { formatDuration } from '../format.js';
import { useKeys } from '../hooks/use-keys.js';
import type { WizardState } from '../state/wizard-state.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

const finishNote: Record<string, string> = {
  poweroff: 'The installer is powering off: remove the install medium, then boot from the disk.',
  reboot: 'The installer is rebooting into the new system.',
  none: 'The installer is still running with /mnt unmounted; reboot it when you are ready.',
};

/** The commands to carry on with once the new system is up (it will not answer on the installer's address). */
function afterInstallCommands(state: WizardState): string[] {
  const { flake, install } = state.plan!.choices;
  const rebuildFlake = install.mode !== 'prebuilt' ? (flake.localPath ?? flake.uri) : undefined;
  return nextCommands(flake.host, state.target!, state.facts, rebuildFlake || undefined);
}

export function resumeCommand(state: WizardState): string {
  const luks = state.plan?.choices.layout.kind !== 'disko' && state.plan?.choices.layout.luks;
  return `nixos-bootstrap install --resume ${formatTarget(state.target!)}${luks ? ' --luks-passphrase-file FILE' : ''}`;
}

export function DoneScreen() {
  const { state, dispatch, runtime, finish, size, bodyRows } = useWizard();
  const theme = useTheme();
  const install = state.install!;
  const plan = state.plan!;
  const elapsed = install.elapsedMs !== undefined ? formatDuration(install.elapsedMs) : '';
  const host = plan.choices.flake.host;
  const exitCode = install.phase === 'done' ? ExitCode.ok : install.phase === 'aborted' ? ExitCode.aborted : ExitCode.phaseFailed;

  // A stop asked for with Ctrl-C ends the program once the cleanup is done: this frame stays.
  useEffect(() => {
    if (install.phase === 'aborted') finish(ExitCode.aborted);
  }, [install.phase, finish]);

  const retryable = install.phase === 'failed' && runtime.install?.settled === true;
  useKeys((input, key) => {
    if (key.return || input === 'q') finish(exitCode);
    // The session, plan, passphrase and key are all still here: no need to start over.
    if (input === 'r' && retryable) {
      runtime.install = runtime.install!.retry();
      dispatch({ type: 'install-retried' });
    }
  });

  // Paths and commands are meant to be copied: they wrap, never get cut.
  const row = (label: string, value: string, color?: string) => (
    <Box width={size.columns}>
      <Box width={10} flexShrink={0}>
        <Text color={theme.muted}>{label}</Text>
      </Box>
      <Box flexGrow={1}>
        <Text color={color}>{value}</Text>
      </Box>
    </Box>
  );
  const command = (text: string) => (
    <Box key={text} paddingLeft={2} width={size.columns}>
      <Text color={theme.accent}>{text}</Text>
    </Box>
  );

  if (install.phase === 'done') {
    const ageKey = plan.choices.ageKey;
    return (
      <Box flexDirection="column" width={size.columns}>
        <Text bold color={theme.ok}>
          {glyphs.ok} Installed {host} on {plan.disk?.path ?? 'the mounted system'}
          {elapsed ? ` in ${elapsed}` : ''}.
        </Text>
        {row('Log', install.logPath)}
        {ageKey && state.ageKey ? row('Age key', `${state.ageKey.file} (keep it safe) → ${ageKey.path} on ${host}`) : row('Age key', 'none handed off')}
        {ageKey ? row('Public', ageKey.recipient) : null}
        {row('Finish', finishNote[plan.choices.finish] ?? '')}
        <Text> </Text>
        <Text bold>Next:</Text>
        {afterInstallCommands(state).map(command)}
        <Footer hints={[['Enter', 'quit']]} quit={null} />
      </Box>
    );
  }

  const stoppedTitle = state.plan?.phases.find((p) => p.id === install.stoppedAt)?.title ?? install.stoppedAt ?? 'the start';
  const lastLines = (install.lastLines ?? []).slice(-Math.max(1, Math.min(8, bodyRows - 10)));
  return (
    <Box flexDirection="column" width={size.columns}>
      <Text bold color={theme.bad} wrap="truncate-end">
        {glyphs.bad} {install.phase === 'aborted' ? `Stopped during '${stoppedTitle}'.` : `'${stoppedTitle}' failed.`} Nothing was rebooted.
      </Text>
      {install.message ? (
        <Text wrap="truncate-end" color={theme.muted}>
          {install.message}
        </Text>
      ) : null}
      {lastLines.map((line, index) => (
        <Text key={index} wrap="truncate-end" color={theme.muted}>
          {'  │ '}
          {printable(line)}
        </Text>
      ))}
      {row('Log', install.logPath)}
      {state.ageKey ? row('Age key', `${state.ageKey.file} (kept)`) : null}
      <Text> </Text>
      {retryable ? (
        <Text wrap="wrap">
          Fix the cause, then press <Text bold>r</Text> to retry from '{stoppedTitle}' (phases already done are checked on the target and skipped). Or quit and
          later run:
        </Text>
      ) : (
        <Text bold>{install.phase === 'aborted' ? 'Continue later with:' : 'Fix the cause, then continue with:'}</Text>
      )}
      {command(resumeCommand(state))}
      <Footer
        hints={
          install.phase === 'aborted'
            ? []
            : retryable
              ? [
                  ['r', 'retry'],
                  ['Enter', 'quit'],
                ]
              : [['Enter', 'quit']]
        }
        quit={null}
      />
    </Box>
  );
}
