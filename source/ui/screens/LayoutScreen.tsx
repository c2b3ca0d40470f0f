import { defaultEfiSize } from '../../core/defaults.js';
import { useState } from 'react';
import { Box, Text } from 'ink';
import { errorText } from '../../core/exit-codes.js';
import { checkPassphrase, passphraseStrength } from '../../core/keys/passphrase.js';
import type { LayoutKind } from '../../core/plan/types.js';
import { Choice, cycle, type ChoiceOption } from '../components/Choice.js';
import { Footer } from '../components/Footer.js';
import { Message } from '../components/Message.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import { buildLayout } from '../state/choices.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

type Field = 'kind' | 'luks' | 'pass1' | 'pass2' | 'swap' | 'efi' | 'continue';

const kinds: readonly ChoiceOption<LayoutKind>[] = [
  { value: 'labels', label: 'labels' },
  { value: 'disko', label: 'disko' },
  { value: 'mounted', label: 'mounted' },
];
const yesNo: readonly ChoiceOption<'no' | 'yes'>[] = [
  { value: 'no', label: 'no' },
  { value: 'yes', label: 'yes' },
];

const kindHelp: Record<LayoutKind, string> = {
  labels: 'GPT: ESP (vfat "boot"), optional swap, root (ext4 "nixos").',
  disko: "The flake's disko config partitions; every disk it names is wiped.",
  mounted: 'Partitioned by hand: mounted by label (nixos, boot, swap).',
};

export function LayoutScreen() {
  const { state, dispatch, runtime, size, bodyRows } = useWizard();
  const theme = useTheme();
  const { layout } = state;
  const draft = runtime.vault.luksDraft ?? { first: runtime.vault.luksPassphrase ?? '', second: runtime.vault.luksPassphrase ?? '' };
  const [first, setFirstState] = useState(draft.first);
  const [second, setSecondState] = useState(draft.second);
  const [field, setField] = useState<Field>('kind');
  const [error, setError] = useState<string | undefined>();

  // The vault keeps what was typed, so Esc and coming back lose nothing; state never sees it.
  const setFirst = (value: string) => {
    setFirstState(value);
    runtime.vault.luksDraft = { first: value, second };
  };
  const setSecond = (value: string) => {
    setSecondState(value);
    runtime.vault.luksDraft = { first, second: value };
  };

  const fields: Field[] = ['kind'];
  if (layout.kind !== 'disko') fields.push('luks');
  if (layout.kind !== 'disko' && layout.luks) fields.push('pass1', 'pass2');
  if (layout.kind === 'labels') fields.push('swap', 'efi');
  fields.push('continue');
  const current = fields.includes(field) ? field : 'kind';
  const move = (step: 1 | -1) => setField(fields[Math.min(fields.length - 1, Math.max(0, fields.indexOf(current) + step))]!);

  const submit = () => {
    try {
      const luks = layout.kind !== 'disko' && layout.luks;
      if (luks) {
        checkPassphrase(first);
        if (first !== second) {
          setSecond('');
          setField('pass2');
          return setError('The two passphrases differ: type it again.');
        }
      }
      buildLayout(layout, state.preset);
      if (luks) runtime.vault.luksPassphrase = first;
      else delete runtime.vault.luksPassphrase;
      setError(undefined);
      dispatch({ type: 'layout-chosen', passphraseSet: luks });
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  useKeys((input, key) => {
    if (key.upArrow || (key.shift && key.tab)) return move(-1);
    if (key.downArrow || key.tab) return move(1);
    const change = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (change !== 0 && current === 'kind') {
      const kind = cycle(kinds, layout.kind, change);
      dispatch({ type: 'layout-edited', patch: kind === 'disko' ? { kind, luks: false } : { kind } });
    }
    if (change !== 0 && current === 'luks') dispatch({ type: 'layout-edited', patch: { luks: !layout.luks } });
    if (key.return) {
      setError(undefined);
      if (current === 'continue') submit();
      else move(1);
    }
    if ((input === 'y' || input === 'n') && current === 'luks') dispatch({ type: 'layout-edited', patch: { luks: input === 'y' } });
  }, !['pass1', 'pass2', 'swap', 'efi'].includes(current));

  const textKeys = (input: string, key: { upArrow: boolean; downArrow: boolean; tab: boolean; shift: boolean }) => {
    if (key.upArrow || (key.shift && key.tab)) move(-1);
    else if (key.downArrow || key.tab) move(1);
    void input;
  };
  useKeys(textKeys, ['pass1', 'pass2', 'swap', 'efi'].includes(current));

  const strength = passphraseStrength(first);
  const strengthColor = strength.strength === 'strong' ? theme.ok : strength.strength === 'fair' ? theme.warn : theme.bad;
  const label = (name: Field, text: string) => (
    <Text bold={current === name} color={current === name ? theme.accent : undefined}>
      {current === name ? `${glyphs.pointer} ` : '  '}
      {text.padEnd(18)}
    </Text>
  );
  const nextField = () => move(1);

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text bold>Partition layout and encryption</Text>
        <Text> </Text>
        <Text>
          {label('kind', 'Layout')}
          <Choice options={kinds} value={layout.kind} focus={current === 'kind'} />
        </Text>
        <Text color={theme.muted} wrap="truncate-end">
          {'                    '}
          {kindHelp[layout.kind]}
        </Text>
        {layout.kind !== 'disko' ? (
          <Text>
            {label('luks', 'Encrypt (LUKS2)')}
            <Choice options={yesNo} value={layout.luks ? 'yes' : 'no'} focus={current === 'luks'} />
            {layout.kind === 'mounted' && layout.luks ? <Text color={theme.muted}> opens the existing container</Text> : null}
          </Text>
        ) : null}
        {layout.kind !== 'disko' && layout.luks ? (
          <>
            <Text>
              {label('pass1', 'Passphrase')}
              <TextField value={first} onChange={setFirst} onSubmit={nextField} focus={current === 'pass1'} mask="•" />
              {first ? (
                <Text color={strengthColor}>
                  {'  '}
                  {strength.strength} (~{strength.bits} bits)
                </Text>
              ) : null}
            </Text>
            <Text>
              {label('pass2', 'Repeat')}
              <TextField value={second} onChange={setSecond} onSubmit={nextField} focus={current === 'pass2'} mask="•" />
              {second ? first === second ? <Text color={theme.ok}> {glyphs.ok} same</Text> : <Text color={theme.bad}> {glyphs.bad} differs</Text> : null}
            </Text>
            <Text color={theme.muted} wrap="truncate-end">
              {'                    '}Typed at boot with a US keymap unless your config sets console.keyMap.
            </Text>
          </>
        ) : null}
        {layout.kind === 'labels' ? (
          <>
            <Text>
              {label('swap', 'Swap size')}
              <TextField
                value={layout.swapSize}
                onChange={(swapSize) => dispatch({ type: 'layout-edited', patch: { swapSize } })}
                onSubmit={nextField}
                focus={current === 'swap'}
                placeholder="0"
              />
              <Text color={theme.muted}> 0 for none, e.g. 8G</Text>
            </Text>
            <Text>
              {label('efi', 'ESP size')}
              <TextField
                value={layout.efiSize}
                onChange={(efiSize) => dispatch({ type: 'layout-edited', patch: { efiSize } })}
                onSubmit={nextField}
                focus={current === 'efi'}
                placeholder={defaultEfiSize}
              />
              <Text color={theme.muted}> e.g. 512M, 1G</Text>
            </Text>
          </>
        ) : null}
        <Text> </Text>
        <Text>
          {current === 'continue' ? <Text color={theme.accent}>{glyphs.pointer} </Text> : '  '}
          <Text bold inverse={current === 'continue'}>
            {' '}
            Continue{' '}
          </Text>
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
