import { useState } from 'react';
import { isAbsolute, resolve } from 'node:path';
import { Box, Text } from 'ink';
import { errorText, ExitCode } from '../../core/exit-codes.js';
import { Choice, cycle, type ChoiceOption } from '../components/Choice.js';
import { Footer, type KeyHint } from '../components/Footer.js';
import { Message } from '../components/Message.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import { ageKeyTarget } from '../state/choices.js';
import type { KeySourceKind, WizardState } from '../state/wizard-state.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';
import type { WizardRuntime } from '../runtime.js';
import { defaultAgeKeyOut } from '../../core/keys/secret-paths.js';

type Field = 'source' | 'path' | 'continue';

const sources: readonly ChoiceOption<KeySourceKind>[] = [
  { value: 'generate', label: 'generate a new key' },
  { value: 'file', label: 'use a key file' },
  { value: 'none', label: 'no key' },
];

// Never inside the flake being uploaded: from there the default moves to the tool's state dir.
const defaultOut = (state: WizardState) => state.keys.out || defaultAgeKeyOut(`${state.resolvedFlake?.host || 'host'}.agekey`, state.resolvedFlake?.localPath);

/** Generates (and saves at once, 0600) or loads the key, then checks the secrets against it. */
async function prepareKey(state: WizardState, runtime: WizardRuntime) {
  const { services } = runtime;
  const { preset, keys } = state;
  if (keys.source === 'none') return { ageKey: null, report: null };
  let choice = runtime.ageKey;
  const wanted = keys.source === 'generate' ? resolve(defaultOut(state)) : resolve(keys.file);
  if (!choice || choice.file !== wanted || choice.generated !== (keys.source === 'generate')) {
    choice = await services.obtainAgeKey(
      keys.source === 'generate' ? 'generate' : { file: keys.file },
      defaultOut(state),
      preset.replaceAgeKey,
      state.resolvedFlake?.localPath,
    );
    // Saved right away: the person may stop here to re-encrypt the secrets, and come back.
    await services.saveAgeKey(choice, preset.replaceAgeKey);
    runtime.ageKey = choice;
  }
  const { secretsDirFor } = await import('../../core/install/prepare.js');
  const dir = secretsDirFor(state.resolvedFlake ?? { uri: '', host: '' }, preset.secretsDir);
  const report = dir ? await services.checkSecrets(dir, choice.key.identity) : null;
  return { ageKey: { recipient: choice.key.recipient, file: choice.file, generated: choice.generated }, report };
}

export function KeysScreen() {
  const { state, dispatch, runtime, finish, size, bodyRows } = useWizard();
  const theme = useTheme();
  const { keys } = state;
  const [field, setField] = useState<Field>('source');
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<{ message: string; existing?: string } | undefined>();
  const ready = state.ageKey !== undefined && !working;
  const host = state.resolvedFlake?.host || 'this host';
  const fields: Field[] = keys.source === 'none' ? ['source', 'continue'] : ['source', 'path', 'continue'];
  const current = fields.includes(field) ? field : 'source';
  const move = (step: 1 | -1) => setField(fields[Math.min(fields.length - 1, Math.max(0, fields.indexOf(current) + step))]!);

  const go = () => {
    setWorking(true);
    setError(undefined);
    prepareKey(state, runtime).then(
      ({ ageKey, report }) => {
        setWorking(false);
        dispatch({ type: 'age-key-ready', ageKey, report });
      },
      (caught: unknown) => {
        setWorking(false);
        const message = errorText(caught);
        const existing = keys.source === 'generate' && /already exists/.test(message) ? resolve(defaultOut(state)) : undefined;
        setError({ message, ...(existing ? { existing } : {}) });
      },
    );
  };

  const unreadable = state.secrets?.unreadable ?? [];
  useKeys((input, key) => {
    if (working) return;
    if (ready) {
      if (key.return) dispatch({ type: 'age-key-accepted' });
      if (input === 'c') {
        dispatch({ type: 'age-key-cleared' });
      }
      if (input === 's' && state.ageKey) {
        finish(
          ExitCode.refused,
          [
            `Stopped before anything was written to the target. The private key is in ${state.ageKey.file} (0600).`,
            `Add ${state.ageKey.recipient} as ${host}'s key (e.g. secrets/keys.nix), re-encrypt (agenix -r),`,
            `then run again with --age-key ${state.ageKey.file}.`,
          ].join('\n'),
        );
      }
      return;
    }
    if (error?.existing && input === 'l') {
      dispatch({ type: 'keys-edited', patch: { source: 'file', file: error.existing } });
      setError(undefined);
      return;
    }
    if (key.upArrow || (key.shift && key.tab)) return move(-1);
    if (key.downArrow || key.tab) return move(1);
    if (current === 'path') return;
    const change = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (change !== 0 && current === 'source') {
      setError(undefined);
      dispatch({ type: 'keys-edited', patch: { source: cycle(sources, keys.source, change) } });
    }
    if (key.return) {
      if (current === 'continue') go();
      else move(1);
    }
  });

  let body: React.JSX.Element;
  let hints: KeyHint[];
  if (ready) {
    const ageKey = state.ageKey;
    body = ageKey ? (
      <>
        <Text>
          Age public key for <Text bold>{host}</Text>
          {ageKey.generated ? <Text color={theme.ok}> (new)</Text> : null}:
        </Text>
        <Box borderStyle="round" borderColor={theme.accent} paddingX={1} width={Math.min(size.columns, ageKey.recipient.length + 4)}>
          <Text bold color={theme.accent}>
            {ageKey.recipient}
          </Text>
        </Box>
        <Text wrap="truncate-end">Add it as {host}'s key (e.g. secrets/keys.nix), then re-encrypt (agenix -r).</Text>
        <Text wrap="truncate-end">
          <Text color={theme.muted}>Private key </Text>
          {ageKey.file}
          <Text color={theme.muted}>{ageKey.generated ? ' (saved, 0600)' : ''}</Text>
        </Text>
        <Text wrap="truncate-end">
          <Text color={theme.muted}>On target </Text>
          {ageKeyTarget(state)}
        </Text>
        <Text> </Text>
        {state.secrets ? (
          unreadable.length === 0 ? (
            <Message
              kind="ok"
              title={`Secrets check: all ${state.secrets.readable.length} secret(s) in ${state.secrets.dir} decrypt with this key.`}
              width={size.columns}
            />
          ) : (
            <Message
              kind="warning"
              title={`Secrets check: ${unreadable.length} of ${unreadable.length + state.secrets.readable.length} in ${state.secrets.dir} would NOT decrypt on first boot:`}
              lines={[
                ...unreadable.slice(0, Math.max(1, bodyRows - 12)).map((u) => `${glyphs.bad} ${u.file}: ${u.reason}`),
                ...(unreadable.length > Math.max(1, bodyRows - 12) ? [`… and ${unreadable.length - Math.max(1, bodyRows - 12)} more`] : []),
                's stops here (nothing is touched) so you can re-encrypt; Enter goes on anyway.',
              ]}
              width={size.columns}
            />
          )
        ) : (
          <Text color={theme.muted} wrap="truncate-end">
            No secrets to check (--secrets DIR, or secrets/ in a local flake).
          </Text>
        )}
      </>
    ) : (
      <Message
        kind="warning"
        title="No age key will be handed off."
        lines={['Secrets encrypted to this host will not decrypt on its first boot.']}
        width={size.columns}
      />
    );
    hints = [['Enter', 'continue'], ...(state.ageKey ? ([['s', 'stop here']] as const) : []), ['c', 'other key']];
  } else {
    body = (
      <>
        <Text color={theme.muted} wrap="truncate-end">
          The new host decrypts its agenix/sops secrets with it; it goes to /mnt/etc/age.
        </Text>
        <Text> </Text>
        <Text>
          <Text bold={current === 'source'} color={current === 'source' ? theme.accent : undefined}>
            {current === 'source' ? `${glyphs.pointer} ` : '  '}
            {'Age key'.padEnd(12)}
          </Text>
          <Choice options={sources} value={keys.source} focus={current === 'source'} />
        </Text>
        {keys.source !== 'none' ? (
          <Text>
            <Text bold={current === 'path'} color={current === 'path' ? theme.accent : undefined}>
              {current === 'path' ? `${glyphs.pointer} ` : '  '}
              {(keys.source === 'generate' ? 'Save to' : 'Key file').padEnd(12)}
            </Text>
            <TextField
              value={keys.source === 'generate' ? keys.out : keys.file}
              onChange={(value) => dispatch({ type: 'keys-edited', patch: keys.source === 'generate' ? { out: value } : { file: value } })}
              onSubmit={() => move(1)}
              focus={current === 'path' && !working}
              placeholder={keys.source === 'generate' ? defaultOut(state) : '~/keys/web.agekey'}
            />
            {keys.source === 'generate' ? <Text color={theme.muted}> (mode 0600{isAbsolute(defaultOut(state)) ? '' : `, in ${process.cwd()}`})</Text> : null}
          </Text>
        ) : null}
        <Text> </Text>
        <Text>
          {current === 'continue' ? <Text color={theme.accent}>{glyphs.pointer} </Text> : '  '}
          <Text bold inverse={current === 'continue'}>
            {' '}
            {keys.source === 'generate' ? 'Generate' : keys.source === 'file' ? 'Load' : 'Continue'}{' '}
          </Text>
          {working ? (
            <Text>
              {'  '}
              <Spinner /> working…
            </Text>
          ) : null}
        </Text>
        {error ? (
          <Message
            kind="error"
            title={error.message}
            lines={error.existing ? [`l uses that existing key (${error.existing}) instead`] : []}
            width={size.columns}
          />
        ) : null}
      </>
    );
    hints = [
      ['↑↓', 'field'],
      ['←→', 'change'],
      ['Enter', current === 'continue' ? 'do it' : 'next'],
      ...(error?.existing ? ([['l', 'use the existing key']] as const) : []),
    ];
  }

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text bold>The host's age key</Text>
        {body}
      </Box>
      <Footer hints={hints} />
    </Box>
  );
}
