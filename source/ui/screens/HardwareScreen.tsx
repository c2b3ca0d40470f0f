// The local flake has no hardware configuration for the host: offer to have the installer
// describe its hardware (nixos-generate-config or nixos-facter, read-only), show the new file or
// the diff against what is there, and write it into the flake only when the person says so.
// A path that holds anything but a generator's own file (flake.nix, a host's configuration, a
// symbolic link) is refused before the installer is asked.
import { useCallback, useEffect, useRef, useState } from 'react';
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
import { useEscape, useKeys } from '../hooks/use-keys.js';
import { defaultHardwarePath, hardwareFlakeDir, hardwarePathIn } from '../state/hardware.js';
import type { HardwareConfigTarget } from '../../core/install/hardware-config.js';
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

/** What the screen shows after generating, before anything is written: the file or the diff. */
interface Shown {
  generator: HardwareGenerator;
  target: HardwareConfigTarget;
  change: HardwareResult['change'];
  /** The path relative to the flake. */
  shownPath: string;
  /** The generated text: what Enter writes. */
  text: string;
  /** What the file held when it was shown (undefined: no file); the write refuses a file changed since. */
  before: string | undefined;
  /** Set when the diff could not be made: the whole new file is shown instead. */
  diffNote?: string;
  lines: string[];
}

/** A failure on the screen, and what the person can do about it. */
interface ScreenError {
  text: string;
  next: string;
}

/** What the result says: its title, and what Enter and Esc do (Enter writes only when `writes`). */
function resultText(shown: Shown, dryRun: boolean): { writes: boolean; status: string; actions: string[] } {
  const where = shown.shownPath;
  const differs = shown.diffNote ? `The generated file differs from it; ${shown.diffNote}` : 'The generated file differs from it like this:';
  if (shown.change === 'unchanged') {
    return {
      writes: false,
      status: `${where} is unchanged: the installer describes the same hardware. Nothing to write.`,
      actions: ['Enter continues.', 'Esc or n goes back to the choice.'],
    };
  }
  if (dryRun) {
    return {
      writes: false,
      status: `Dry run: nothing is written. ${shown.change === 'new' ? `${where} would hold:` : `${where} exists. ${differs}`}`,
      actions: ['Enter continues.', 'Esc or n goes back to the choice.'],
    };
  }
  return {
    writes: true,
    status:
      shown.change === 'new'
        ? `${where} does not exist yet; nothing is written until you say so. It would hold:`
        : `${where} exists; nothing is written until you say so. ${differs}`,
    actions: [`Enter writes ${where} and continues.`, `Esc or n writes nothing and goes back to the choice.`],
  };
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
  const [error, setError] = useState<ScreenError | undefined>();
  const [shown, setShown] = useState<Shown | undefined>();
  // After Esc/n on the result: what was left as it was.
  const [declined, setDeclined] = useState<string | undefined>();
  const [scroll, setScroll] = useState(0);
  // Read by the Esc handler, which may run before the render that follows a state change.
  const busy = useRef(false);
  busy.current = working;
  const shownNow = useRef(shown);
  shownNow.current = shown;
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
    setDeclined(undefined);
    // A path still at a generator's default follows the generator; one typed by hand stays.
    const typed = answers.path !== undefined && !hardwareGenerators.some((g) => answers.path === defaultHardwarePath(state, g));
    dispatch({ type: 'hardware-edited', patch: typed ? { choice } : { choice, path: undefined } });
  };

  const retry = 'Enter tries again; s skips (install without a hardware configuration).';
  const generate = async (chosen: HardwareGenerator) => {
    const { checkHardwareConfigTarget, hardwareConfigTarget } = await import('../../core/install/hardware-config.js');
    const pathRefused = (caught: unknown, text = errorText(caught)) =>
      Object.assign(new Error(text, { cause: caught }), { next: 'Change the path (↑), or s skips (install without a hardware configuration).' });
    let target: ReturnType<typeof hardwareConfigTarget>;
    try {
      target = hardwareConfigTarget(hardwarePathIn(flakeDir, path), chosen, host, flakeDir);
    } catch (caught) {
      // Checked as install checks its flag; here the field is what was typed.
      throw pathRefused(caught, errorText(caught).replace(/^--generate-hardware-config /, 'The path '));
    }
    const shownPath = relative(flakeDir, target.path);
    // Before the installer is asked: only a generator's own file may be replaced, never a link.
    await checkHardwareConfigTarget(target, shownPath).catch((caught: unknown) => {
      throw pathRefused(caught);
    });
    const session = runtime.session;
    if (!session) throw new Error('Not connected to the installer: go back (Esc) to Connect.');
    const text = await runtime.services.generateHardwareConfig(session, chosen);
    if (!live.current) return;
    // Compared only: nothing is written until Enter on the result.
    const preview = await runtime.services.saveHardwareConfig(target, text, false);
    if (!live.current) return;
    const whole = preview.change === 'new' || preview.diffNote !== undefined;
    // The text came from the installer (and the diff quotes it): no control sequences reach the terminal.
    const body = printableLines(whole || preview.change === 'unchanged' ? text : preview.diff).replace(/\n+$/, '');
    setShown({
      generator: chosen,
      target,
      change: preview.change,
      shownPath,
      text,
      before: preview.before,
      ...(preview.diffNote !== undefined ? { diffNote: printableLines(preview.diffNote) } : {}),
      lines: body.split('\n'),
    });
    setScroll(0);
  };

  const fail = (caught: unknown, next = retry) => {
    setWorking(false);
    setError({ text: errorText(caught), next: (caught as { next?: string } | undefined)?.next ?? next });
  };

  const go = () => {
    if (!generator) return dispatch({ type: 'hardware-done' });
    setError(undefined);
    setDeclined(undefined);
    setWorking(true);
    busy.current = true;
    generate(generator).then(
      () => live.current && setWorking(false),
      (caught: unknown) => live.current && fail(caught),
    );
  };

  /** Enter on the result: write it (the person has seen it), then go on. */
  const accept = (result: Shown) => {
    const done = (written: boolean) =>
      dispatch({ type: 'hardware-done', result: { generator: result.generator, path: result.target.path, change: result.change, written } });
    if (state.preset.dryRun || result.change === 'unchanged') return done(false);
    setError(undefined);
    setWorking(true);
    busy.current = true;
    runtime.services.saveHardwareConfig(result.target, result.text, true, result.before ?? null).then(
      () => live.current && done(true),
      (caught: unknown) => live.current && fail(caught, 'Enter tries again; Esc or n leaves the file as it is and goes back.'),
    );
  };

  /** Esc or n on the result: nothing is written; back to the choice (skip goes on without). */
  const decline = useCallback(() => {
    const was = shownNow.current;
    if (busy.current || !was) return;
    setShown(undefined);
    setDeclined(was.change === 'new' ? `Nothing written: ${was.shownPath} was not created.` : `Nothing written: ${was.shownPath} is as it was.`);
    setError(undefined);
    setField('choice');
  }, []);
  useEscape(decline, shown !== undefined);

  // The result: the file (or the diff) in a viewport, as the Review screen shows the plan.
  const lines = shown ? shown.lines.flatMap((line) => wrapLine(line, Math.max(20, size.columns - 2))) : [];
  const result = shown ? resultText(shown, state.preset.dryRun) : undefined;
  // The viewport gets what the other lines leave: the title, the import line, the actions (or the error).
  const rowsOf = (text: string) => wrapLine(text, Math.max(20, size.columns), 0).length;
  const footRows = error ? rowsOf(`${glyphs.bad} ${error.text}`) + 1 : working ? 1 : (result?.actions ?? []).reduce((sum, line) => sum + rowsOf(line), 0);
  const viewport = Math.max(3, bodyRows - 7 - (result ? rowsOf(`i ${result.status}`) : 1) - footRows);
  const maxScroll = Math.max(0, lines.length - viewport);
  const top = Math.min(scroll, maxScroll);

  useKeys((input, key) => {
    if (working || busy.current) return;
    if (shown) {
      if (key.upArrow) setScroll(Math.max(0, top - 1));
      if (key.downArrow) setScroll(Math.min(maxScroll, top + 1));
      if (key.pageUp) setScroll(Math.max(0, top - viewport));
      if (key.pageDown) setScroll(Math.min(maxScroll, top + viewport));
      if (input === 'n') decline();
      if (key.return) accept(shown);
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
    const { writes, status, actions } = result!;
    body = (
      <>
        <Text bold>Hardware configuration for {host}</Text>
        <Message kind={shown.change === 'unchanged' ? 'ok' : shown.change === 'changed' && writes ? 'warning' : 'info'} title={status} width={size.columns} />
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
        {working ? (
          <Text>
            <Spinner /> writing {where}…
          </Text>
        ) : error ? (
          <Message kind="error" title={error.text} lines={[error.next]} width={size.columns} />
        ) : (
          actions.map((line, index) => (
            <Text key={index} bold={index === 0} wrap="wrap">
              {line}
            </Text>
          ))
        )}
      </>
    );
    hints = [
      ['↑↓', 'scroll'],
      ['Enter', writes ? 'write' : 'continue'],
      ['Esc/n', 'back'],
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
          {state.preset.dryRun
            ? '; in this dry run it is only shown, nothing is written.'
            : found
              ? '; the file is replaced only when you say so.'
              : '; the file is shown first, and goes into the flake only when you say so.'}
        </Text>
        <Text> </Text>
        <Text>
          {label('choice', 'Hardware config')}
          <Choice options={choices} value={answers.choice} focus={current === 'choice'} />
        </Text>
        <Text color={theme.muted} wrap="truncate-end">
          {'                  '}
          {answers.choice === 'skip' && found ? "Keep the flake's file as it is; nothing is generated." : choiceHelp[answers.choice]}
        </Text>
        {generator ? (
          <Text>
            {label('path', 'Path in flake')}
            <TextField
              value={path}
              onChange={(value) => {
                setError(undefined);
                setDeclined(undefined);
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
            {generator ? 'Generate' : found ? 'Continue' : 'Continue without'}{' '}
          </Text>
          {working ? (
            <Text>
              {'  '}
              <Spinner /> running {generator} on the installer…
            </Text>
          ) : null}
        </Text>
        {error ? (
          <Message kind="error" title={error.text} lines={[error.next]} width={size.columns} />
        ) : declined ? (
          <Message kind="info" title={declined} lines={['Generate shows it again; skip goes on without writing anything.']} width={size.columns} />
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
