import { useState } from 'react';
import { Box, Text } from 'ink';
import { errorText } from '../../core/exit-codes.js';
import type { Choices, InstallMode } from '../../core/plan/types.js';
import { Choice, cycle, type ChoiceOption } from '../components/Choice.js';
import { Footer } from '../components/Footer.js';
import { Message } from '../components/Message.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import { answeredFlake, answeredInstall } from '../state/choices.js';
import { refuseHardwareFlagWithout } from '../state/hardware.js';
import type { FlakeAnswers } from '../state/wizard-state.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

type Field = 'mode' | 'flake' | 'repo' | 'system' | 'host' | 'continue';

const modes: readonly ChoiceOption<InstallMode>[] = [
  { value: 'flake', label: 'flake' },
  { value: 'clone', label: 'clone' },
  { value: 'prebuilt', label: 'prebuilt' },
  { value: 'copy', label: 'copy' },
];

const modeHelp: Record<InstallMode, string> = {
  flake: 'nixos-install --flake URI#host on the target builds it.',
  clone: 'git clone on the target, then install from the clone.',
  prebuilt: "a system closure already in the installer's store.",
  copy: 'build here with nix, copy the closure over, install it.',
};

export function FlakeScreen() {
  const { state, dispatch, runtime, size, bodyRows } = useWizard();
  const theme = useTheme();
  const answers = state.flake;
  const fields: Field[] =
    answers.mode === 'flake' || answers.mode === 'copy' ? ['flake', 'mode'] : ['mode', answers.mode === 'clone' ? 'repo' : 'system', 'host'];
  fields.push('continue');
  const [field, setField] = useState<Field>(fields[0]!);
  const current = fields.includes(field) ? field : fields[0]!;
  const [error, setError] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);
  const move = (step: 1 | -1) => setField(fields[Math.min(fields.length - 1, Math.max(0, fields.indexOf(current) + step))]!);
  const edit = (patch: Partial<FlakeAnswers>) => {
    setError(undefined);
    dispatch({ type: 'flake-edited', patch });
  };

  const submit = () => {
    let flake: Choices['flake'];
    try {
      flake = answeredFlake(answers);
    } catch (caught) {
      return setError(errorText(caught));
    }
    setChecking(true);
    const install = answeredInstall(answers, state.preset);
    const checked = runtime.services.checkFlakeSource(flake, install).then(async (resolved) => {
      // The passphrase file given as a flag must not be inside the tree that gets uploaded.
      const { refuseSecretInFlake } = await import('../../core/keys/secret-paths.js');
      refuseSecretInFlake('--luks-passphrase-file', state.preset.luksPassphraseFile, resolved.localPath);
      refuseHardwareFlagWithout(state.preset.hardwareConfig !== undefined, install.mode, resolved.localPath);
      // A local flake without the host's hardware configuration gets the hardware screen.
      const local = install.mode === 'flake' || install.mode === 'copy' ? resolved.localPath : undefined;
      const hardwareConfig = local ? await runtime.services.findHardwareConfig(local, resolved.host) : undefined;
      return { resolved, hardwareConfig };
    });
    checked.then(
      ({ resolved, hardwareConfig }) => {
        setChecking(false);
        dispatch({ type: 'flake-chosen', resolved, ...(hardwareConfig !== undefined ? { hardwareConfig } : {}) });
      },
      (caught: unknown) => {
        setChecking(false);
        setError(errorText(caught));
      },
    );
  };

  const isText = current !== 'mode' && current !== 'continue';
  useKeys((input, key) => {
    if (checking) return;
    if (key.upArrow || (key.shift && key.tab)) return move(-1);
    if (key.downArrow || key.tab) return move(1);
    if (isText) return;
    const change = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (change !== 0 && current === 'mode') edit({ mode: cycle(modes, answers.mode, change) });
    if (key.return) {
      if (current === 'continue') submit();
      else move(1);
    }
  });

  const label = (name: Field, text: string) => (
    <Text bold={current === name} color={current === name ? theme.accent : undefined}>
      {current === name ? `${glyphs.pointer} ` : '  '}
      {text.padEnd(14)}
    </Text>
  );
  const next = () => move(1);
  const rows: Record<Exclude<Field, 'continue'>, React.JSX.Element> = {
    flake: (
      <Text key="flake">
        {label('flake', 'Flake')}
        <TextField
          value={answers.flake}
          onChange={(flake) => edit({ flake })}
          onSubmit={next}
          focus={current === 'flake' && !checking}
          placeholder="github:me/nixos-config#web or ./config#web"
        />
      </Text>
    ),
    mode: (
      <Box key="mode" flexDirection="column">
        <Text>
          {label('mode', 'Install mode')}
          <Choice options={modes} value={answers.mode} focus={current === 'mode'} />
        </Text>
        <Text color={theme.muted} wrap="truncate-end">
          {'                '}
          {modeHelp[answers.mode]}
        </Text>
      </Box>
    ),
    repo: (
      <Text key="repo">
        {label('repo', 'Repository')}
        <TextField
          value={answers.repo}
          onChange={(repo) => edit({ repo })}
          onSubmit={next}
          focus={current === 'repo' && !checking}
          placeholder="https://github.com/me/nixos-config"
        />
      </Text>
    ),
    system: (
      <Text key="system">
        {label('system', 'System path')}
        <TextField
          value={answers.systemPath}
          onChange={(systemPath) => edit({ systemPath })}
          onSubmit={next}
          focus={current === 'system' && !checking}
          placeholder="/nix/store/…-nixos-system-web"
        />
      </Text>
    ),
    host: (
      <Text key="host">
        {label('host', 'Host name')}
        <TextField value={answers.host} onChange={(host) => edit({ host })} onSubmit={next} focus={current === 'host' && !checking} placeholder="web" />
      </Text>
    ),
  };

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text bold>Which configuration goes on this machine?</Text>
        <Text color={theme.muted} wrap="truncate-end">
          A local flake (./config#web) is checked here and uploaded; remote ones are fetched there.
        </Text>
        <Text> </Text>
        {fields.filter((f): f is Exclude<Field, 'continue'> => f !== 'continue').map((f) => rows[f])}
        <Text> </Text>
        <Text>
          {current === 'continue' ? <Text color={theme.accent}>{glyphs.pointer} </Text> : '  '}
          <Text bold inverse={current === 'continue'}>
            {' '}
            Continue{' '}
          </Text>
          {checking ? (
            <Text>
              {'  '}
              <Spinner /> checking…
            </Text>
          ) : null}
        </Text>
        {error ? <Message kind="error" title={error} width={size.columns} /> : null}
      </Box>
      <Footer
        hints={[
          ['↑↓', 'field'],
          ['←→', 'change'],
          ['Enter', current === 'continue' ? 'continue' : 'next'],
        ]}
      />
    </Box>
  );
}
