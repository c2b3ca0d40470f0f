// The local flake has no hardware configuration for the host: offer to have the installer
// describe its hardware (nixos-generate-config or nixos-facter, read-only), write it into the
// flake, and show what was written or the diff against what was there.
import { useEffect, useRef, useState } from 'react';
import { relative } from 'node:path';
import { Box, Text } from 'ink';
import { hardwareGenerators, type HardwareGenerator } from '../../core/defaults.js';
import { errorText } from '../../core/exit-codes.js';
import { printableLines } from '../../core/logs/printable.js';
import { Choice, cycle, type ChoiceOption } from '../components/Choice.js';
import { Footer, type KeyHint } from '../components/Footer.js';
import { Message } from '../components/Message.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { wrapLine } from '../format.js';
import { useKeys } from '../hooks/use-keys.js';
import { defaultHardwarePath, hardwareFlakeDir, hardwarePathIn } from '../state/hardware.js';
import type { HardwareChoice, HardwareResult } from '../state/wizard-state.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

type Field = 'choice' | 'path' | 'go';

const choices: readonly ChoiceOption<HardwareChoice>[] = [
  { value: 'nixos-generate-config', label: 'nixos-generate-config' },
  { value: 'nixos-facter', label: 'nixos-facter' },
  { value: 'skip', label: 'skip' },
];

const choiceHelp: Record<HardwareChoice, string> = {
  'nixos-generate-config': 'A NixOS module: initrd modules, CPU microcode (no file systems).',
  'nixos-facter': 'A JSON report that NixOS modules read (hardware.facter).',
  skip: 'Go on without: the configuration must load the disk driver itself.',
};

/** What the screen shows after generating: the result plus the lines of the file or the diff. */
interface Shown extends HardwareResult {
  /** The path as the person typed it (relative to the flake). */
  shownPath: string;
  gitAdded: boolean;
  lines: string[];
}

/** How the host's configuration takes the file in; without it the file changes nothing. */
const importLine = (generator: HardwareGenerator, path: string) =>
  generator === 'nixos-facter' ? `hardware.facter.reportPath = ./${path};` : `imports = [ ./${path} ];`;

export function HardwareScreen() {
  const { state, dispatch, runtime, size, bodyRows } = useWizard();
  const theme = useTheme();
  const flakeDir = hardwareFlakeDir(state) ?? '';
  const host = state.resolvedFlake?.host ?? 'this host';
  const answers = state.hardware;
  const generator = answers.choice === 'skip' ? undefined : answers.choice;
  const path = answers.path ?? (generator ? defaultHardwarePath(state, generator) : '');
  const fields: Field[] = generator ? ['choice', 'path', 'go'] : ['choice', 'go'];
  const [field, setField] = useState<Field>('choice');
  const current = fields.includes(field) ? field : 'choice';
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [shown, setShown] = useState<Shown | undefined>();
  const [scroll, setScroll] = useState(0);
  // Esc during a generation leaves the screen: what comes back then is neither shown nor written.
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );

  const move = (step: 1 | -1) => setField(fields[Math.min(fields.length - 1, Math.max(0, fields.indexOf(current) + step))]!);
  const choose = (choice: HardwareChoice) => {
    setError(undefined);
    // A path still at a generator's default follows the generator; one typed by hand stays.
    const typed = answers.path !== undefined && !hardwareGenerators.some((g) => answers.path === defaultHardwarePath(state, g));
    dispatch({ type: 'hardware-edited', patch: typed ? { choice } : { choice, path: undefined } });
  };

  const generate = async (chosen: HardwareGenerator) => {
    const { hardwareConfigTarget } = await import('../../core/install/hardware-config.js');
    let target: ReturnType<typeof hardwareConfigTarget>;
    try {
      target = hardwareConfigTarget(hardwarePathIn(flakeDir, path), chosen, host, flakeDir);
    } catch (caught) {
      // Checked as install checks its flag; here the field is what was typed.
      throw new Error(errorText(caught).replace(/^--generate-hardware-config /, 'The path '), { cause: caught });
    }
    const session = runtime.session;
    if (!session) throw new Error('Not connected to the installer: go back (Esc) to Connect.');
    const text = await runtime.services.generateHardwareConfig(session, chosen);
    if (!live.current) return;
    const write = !state.preset.dryRun;
    const saved = await runtime.services.saveHardwareConfig(target, text, write);
    if (!live.current) return;
    // The text came from the installer (and the diff quotes it): no control sequences reach the terminal.
    const body = printableLines(saved.change === 'changed' ? saved.diff : text).replace(/\n+$/, '');
    setShown({
      generator: chosen,
      path: target.path,
      shownPath: relative(flakeDir, target.path),
      change: saved.change,
      written: write && saved.change !== 'unchanged',
      gitAdded: saved.gitAdded,
      lines: body.split('\n'),
    });
    setScroll(0);
  };

  const go = () => {
    if (!generator) return dispatch({ type: 'hardware-done' });
    setError(undefined);
    setWorking(true);
    generate(generator).then(
      () => live.current && setWorking(false),
      (caught: unknown) => {
        if (!live.current) return;
        setWorking(false);
        setError(errorText(caught));
      },
    );
  };

  // The result: the file (or the diff) in a viewport, as the Review screen shows the plan.
  const lines = shown ? shown.lines.flatMap((line) => wrapLine(line, Math.max(20, size.columns - 2))) : [];
  const viewport = Math.max(3, bodyRows - 9);
  const maxScroll = Math.max(0, lines.length - viewport);
  const top = Math.min(scroll, maxScroll);

  useKeys((input, key) => {
    if (working) return;
    if (shown) {
      if (key.upArrow) setScroll(Math.max(0, top - 1));
      if (key.downArrow) setScroll(Math.min(maxScroll, top + 1));
      if (key.pageUp) setScroll(Math.max(0, top - viewport));
      if (key.pageDown) setScroll(Math.min(maxScroll, top + viewport));
      if (key.return) {
        const { shownPath: _p, gitAdded: _g, lines: _l, ...result } = shown;
        dispatch({ type: 'hardware-done', result });
      }
      return;
    }
    if (key.upArrow || (key.shift && key.tab)) return move(-1);
    if (key.downArrow || key.tab) return move(1);
    if (current === 'path') return;
    if (input === 's' && error) return dispatch({ type: 'hardware-done' });
    const change = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    if (change !== 0 && current === 'choice') choose(cycle(choices, answers.choice, change));
    if (key.return) {
      if (current === 'go') go();
      else move(1);
    }
  });

  const label = (name: Field, text: string) => (
    <Text bold={current === name} color={current === name ? theme.accent : undefined}>
      {current === name ? `${glyphs.pointer} ` : '  '}
      {text.padEnd(16)}
    </Text>
  );

  let body: React.JSX.Element;
  let hints: KeyHint[];
  if (shown) {
    const where = shown.shownPath;
    const status =
      shown.change === 'unchanged'
        ? `${where} is unchanged: the installer describes the same hardware.`
        : !shown.written
          ? `Dry run: nothing written. ${where} ${shown.change === 'new' ? 'would hold' : 'would change like this'}:`
          : `${shown.change === 'new' ? 'Wrote' : 'Replaced'} ${where}${shown.gitAdded ? ' (git add --intent-to-add)' : ''}${shown.change === 'changed' ? '; the diff against what was there:' : ':'}`;
    body = (
      <>
        <Text bold>Hardware configuration for {host}</Text>
        <Message kind={shown.written || shown.change === 'unchanged' ? 'ok' : 'info'} title={status} width={size.columns} />
        <Text wrap="truncate-end">
          <Text color={theme.warn}>{glyphs.warn} </Text>
          {host}'s configuration must {shown.generator === 'nixos-facter' ? 'use' : 'import'} it (path relative to that file):
        </Text>
        <Text wrap="truncate-end" color={theme.muted}>
          {'    '}
          {importLine(shown.generator, where)}
        </Text>
        <Box flexDirection="column" borderStyle="single" borderColor={theme.muted} borderLeft={false} borderRight={false} height={viewport + 2}>
          {lines.slice(top, top + viewport).map((line, index) => (
            <Text
              key={top + index}
              wrap="truncate-end"
              color={shown.change === 'changed' ? (/^\+(?!\+\+)/.test(line) ? theme.ok : /^-(?!--)/.test(line) ? theme.bad : theme.muted) : undefined}
            >
              {line || ' '}
            </Text>
          ))}
        </Box>
        <Text color={theme.muted}>
          {lines.length > viewport ? `lines ${top + 1}–${Math.min(lines.length, top + viewport)} of ${lines.length} (↑↓ PgUp PgDn)` : ' '}
        </Text>
        <Text bold>Enter continues.</Text>
      </>
    );
    hints = [
      ['↑↓', 'scroll'],
      ['Enter', 'continue'],
    ];
  } else {
    const found = state.hardwareFound;
    body = (
      <>
        <Text bold>Hardware configuration for {host}</Text>
        {found ? (
          <Text wrap="wrap">
            The flake at {flakeDir} has {found} for {host}; --generate-hardware-config asks for a new one from the installer.
          </Text>
        ) : (
          <Text wrap="wrap">
            The flake at {flakeDir} has no hardware configuration for {host} (no hardware-configuration.nix or facter.json).
          </Text>
        )}
        <Text color={theme.muted} wrap="wrap">
          {found
            ? 'The installer describes its hardware again (read-only), and the diff is shown'
            : "Without one, the new system's initrd may lack the driver of its disk (NVMe, virtio, AHCI…) and it may not boot. The installer can describe its hardware (read-only)"}
          {state.preset.dryRun ? '; in this dry run it is only shown, nothing is written.' : '; the file goes into the flake.'}
        </Text>
        <Text> </Text>
        <Text>
          {label('choice', 'Hardware config')}
          <Choice options={choices} value={answers.choice} focus={current === 'choice'} />
        </Text>
        <Text color={theme.muted} wrap="truncate-end">
          {'                  '}
          {choiceHelp[answers.choice]}
        </Text>
        {generator ? (
          <Text>
            {label('path', 'Path in flake')}
            <TextField
              value={path}
              onChange={(value) => {
                setError(undefined);
                dispatch({ type: 'hardware-edited', patch: { path: value } });
              }}
              onSubmit={() => move(1)}
              focus={current === 'path' && !working}
              placeholder={`hosts/${host}/hardware-configuration.nix`}
            />
          </Text>
        ) : null}
        <Text> </Text>
        <Text>
          {current === 'go' ? <Text color={theme.accent}>{glyphs.pointer} </Text> : '  '}
          <Text bold inverse={current === 'go'}>
            {' '}
            {generator ? 'Generate' : 'Continue without'}{' '}
          </Text>
          {working ? (
            <Text>
              {'  '}
              <Spinner /> running {generator} on the installer…
            </Text>
          ) : null}
        </Text>
        {error ? (
          <Message kind="error" title={error} lines={['Enter tries again; s skips (install without a hardware configuration).']} width={size.columns} />
        ) : null}
      </>
    );
    hints = [
      ['↑↓', 'field'],
      ['←→', 'change'],
      ['Enter', current === 'go' ? (generator ? (error ? 'try again' : 'generate') : 'skip') : 'next'],
      ...(error ? ([['s', 'skip']] as const) : []),
    ];
  }

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        {body}
      </Box>
      <Footer hints={hints} />
    </Box>
  );
}
