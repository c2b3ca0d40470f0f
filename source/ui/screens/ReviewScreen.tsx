import { useState } from 'react';
import { basename, relative } from 'node:path';
import { Box, Text } from 'ink';
import { ExitCode } from '../../core/exit-codes.js';
import { describeBootCheck } from '../../core/boot/boot-findings.js';
import { diskConfigOffer } from '../../core/boot/disk-config.js';
import type { DiskConfigHandOver } from '../../core/boot/write-disk-config.js';
import { printableLines } from '../../core/logs/printable.js';
import { formatPlan } from '../../core/plan/format-plan.js';
import { formatBytes } from '../../core/plan/sizes.js';
import type { Plan } from '../../core/plan/types.js';
import { formatTarget } from '../../core/ssh/target.js';
import { Footer } from '../components/Footer.js';
import { Message } from '../components/Message.js';
import { Spinner } from '../components/Spinner.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import { usePlan } from '../hooks/use-plan.js';
import { wrapLine } from '../format.js';
import type { HardwareResult } from '../state/wizard-state.js';
import { glyphs, useTheme } from '../theme.js';
import { useWizard } from '../wizard-context.js';

/** What the person types to confirm: the disk's kernel name (vda, nvme0n1), or "install" without a disk. */
export const confirmWord = (plan: Plan) => (plan.disk ? basename(plan.disk.path) : 'install');

/** What the hardware screen did, if it was shown and generated something. */
function hardwareRow(result: HardwareResult | undefined, flakeDir: string | undefined): Array<[string, string]> {
  if (!result) return [];
  const path = flakeDir ? relative(flakeDir, result.path) : result.path;
  const what = result.written ? (result.change === 'new' ? 'written' : 'replaced') : result.change === 'unchanged' ? 'unchanged' : 'not written (dry run)';
  return [['Hardware', `${path} (${result.generator}, ${what})`]];
}

/** What --write-disk-config did, if it was given. */
function diskConfigRow(handed: DiskConfigHandOver | undefined, flakeDir: string | undefined): Array<[string, string]> {
  if (!handed) return [];
  const path = flakeDir ? relative(flakeDir, handed.path) : handed.path;
  return [['Disks', `${path} (${handed.written ? `written${handed.gitAdded ? ', git add -N' : ''}` : 'not written (dry run)'}; import it from the host)`]];
}

function summary(plan: Plan, where: string, fingerprint: string): Array<[string, string]> {
  const { choices } = plan;
  const layout = choices.layout;
  const parts: string[] = [layout.kind];
  if (layout.kind !== 'disko') parts.push(layout.luks ? `LUKS2 (${layout.luks.label})` : 'no encryption');
  if (layout.kind === 'labels') {
    parts.push(layout.swapSizeMiB ? `swap ${formatBytes(layout.swapSizeMiB * 1024 * 1024)}` : 'no swap');
    parts.push(`ESP ${formatBytes(layout.efiSizeMiB * 1024 * 1024)}`);
  }
  const system = choices.install.mode === 'prebuilt' ? `${choices.install.systemPath} (${choices.flake.host})` : `${choices.flake.uri}#${choices.flake.host}`;
  return [
    ['Target', `${where} · host key ${fingerprint}`],
    ['Disk', plan.disk ? plan.disk.description : 'already partitioned and mounted by label'],
    ...(plan.disk?.byId ? ([['', plan.disk.byId]] as Array<[string, string]>) : []),
    ['Layout', parts.join(' · ')],
    ['System', `${system} · mode ${choices.install.mode} · then ${choices.finish}`],
    ['Age key', choices.ageKey ? `${choices.ageKey.recipient} → ${choices.ageKey.path}` : 'none'],
  ];
}

export function ReviewScreen() {
  const { state, finish, size, bodyRows } = useWizard();
  const theme = useTheme();
  const { plan, error, setError, starting, start, bootCheck, bootRefusal, diskConfig, diskConfigFailure } = usePlan();
  const [typed, setTyped] = useState('');
  const [scroll, setScroll] = useState(0);

  // One entry may hold several lines (the disk and its by-id path), and long commands are
  // wrapped, not cut: the viewport scrolls over exactly what is on screen.
  // Findings quote the configuration and nix's messages: no control sequences reach the terminal.
  const boot = bootCheck ? printableLines(describeBootCheck(bootCheck)) : 'Checking that the configuration boots from what this install creates…';
  const offer = plan && bootCheck && state.preset.writeDiskConfig === undefined ? diskConfigOffer(plan, state.facts!, bootCheck) : undefined;
  const lines = plan
    ? [...formatPlan(plan), '', boot, ...(offer ? ['', offer] : [])].flatMap((line) => line.split('\n')).flatMap((line) => wrapLine(line, size.columns))
    : [];
  const summaryRows = plan
    ? [
        ...summary(plan, formatTarget(state.target!), state.hostKey?.fingerprint ?? ''),
        ...hardwareRow(state.hardwareResult, state.resolvedFlake?.localPath),
        ...diskConfigRow(diskConfig, state.resolvedFlake?.localPath),
      ]
    : [];
  const viewport = Math.max(3, bodyRows - summaryRows.length - 6);
  const maxScroll = Math.max(0, lines.length - viewport);
  const top = Math.min(scroll, maxScroll);
  const word = plan ? confirmWord(plan) : '';

  useKeys((_input, key) => {
    if (key.upArrow) setScroll(Math.max(0, top - 1));
    if (key.downArrow) setScroll(Math.min(maxScroll, top + 1));
    if (key.pageUp) setScroll(Math.max(0, top - viewport));
    if (key.pageDown) setScroll(Math.min(maxScroll, top + viewport));
    if (key.return && plan && state.preset.dryRun) finish(ExitCode.ok, ['Dry run: nothing was changed. The plan was:', ...lines].join('\n'));
  }, !starting);

  const submit = (value: string) => {
    if (!plan || starting) return;
    if (!bootCheck) return setError('The boot check is still running.');
    if (bootRefusal) {
      setError(`Refused: ${bootRefusal}.`);
      return setTyped('');
    }
    if (value.trim() !== word) {
      setError(`Type ${word} exactly to confirm (you typed '${value.trim()}').`);
      return setTyped('');
    }
    setError(undefined);
    void start(plan);
  };

  return (
    <Box flexDirection="column">
      <Box flexDirection="column" height={bodyRows} overflowY="hidden">
        <Text bold>Review the plan{state.preset.dryRun ? ' (dry run: nothing will be changed)' : ''}</Text>
        {!plan && !error ? (
          <Text>
            <Spinner /> Making the plan…
          </Text>
        ) : null}
        {summaryRows.map(([key, value]) => (
          <Text key={key} wrap="truncate-end">
            <Text color={theme.muted}>{key.padEnd(9)}</Text>
            {value}
          </Text>
        ))}
        {plan ? (
          <Box flexDirection="column" borderStyle="single" borderColor={theme.muted} borderLeft={false} borderRight={false} height={viewport + 2}>
            {lines.slice(top, top + viewport).map((line, index) => (
              <Text
                key={top + index}
                wrap="truncate-end"
                color={
                  /^\s*(DESTROYS |✖ )/.test(line) ? theme.bad : /^\s*! /.test(line) ? theme.warn : /^\d+\. |^Target disk/.test(line) ? undefined : theme.muted
                }
                bold={/^\d+\. /.test(line)}
              >
                {line}
              </Text>
            ))}
          </Box>
        ) : null}
        {plan ? (
          <Text color={theme.muted}>
            {lines.length > viewport ? `lines ${top + 1}–${Math.min(lines.length, top + viewport)} of ${lines.length} (↑↓ PgUp PgDn)` : ' '}
          </Text>
        ) : null}
        {plan && !bootCheck ? (
          <Text>
            <Spinner /> Checking that the configuration boots from what this install creates…
          </Text>
        ) : plan && !state.preset.dryRun ? (
          <Text wrap="truncate-end">
            <Text bold color={theme.bad}>
              {glyphs.warn} Type {word} to {plan.disk ? `erase ${plan.disk.path}` : 'start'} and install:{' '}
            </Text>
            <TextField value={typed} onChange={setTyped} onSubmit={submit} focus={!starting} />
            {starting ? (
              <Text>
                {' '}
                <Spinner /> starting…
              </Text>
            ) : null}
          </Text>
        ) : plan ? (
          <Text bold>Enter ends the dry run; nothing was changed.</Text>
        ) : null}
        {diskConfigFailure && !error ? <Message kind="error" title={`--write-disk-config: ${diskConfigFailure}`} width={size.columns} /> : null}
        {error ? <Message kind="error" title={error} width={size.columns} /> : null}
      </Box>
      <Footer
        hints={
          state.preset.dryRun
            ? [
                ['↑↓', 'scroll'],
                ['Enter', 'quit'],
              ]
            : [
                ['↑↓', 'scroll'],
                ['Enter', 'confirm'],
              ]
        }
      />
    </Box>
  );
}
