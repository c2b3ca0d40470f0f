// The Review screen's plan, its boot check and its start: the plan is made once per visit from
// the answers, and a confirmed plan starts with the secrets the runtime holds. The screen only renders.
import { useEffect, useState } from 'react';
import { errorText } from '../../core/exit-codes.js';
import { bootBlockers, type BootCheck } from '../../core/boot/boot-findings.js';
import type { Plan } from '../../core/plan/types.js';
import type { DiskConfigHandOver } from '../../core/boot/write-disk-config.js';
import { startInstall } from '../run/install-session.js';
import { buildChoices } from '../state/choices.js';
import { useWizard } from '../wizard-context.js';

export function usePlan() {
  const { state, dispatch, runtime } = useWizard();
  const [error, setError] = useState<string | undefined>();
  const [starting, setStarting] = useState(false);
  const [bootCheck, setBootCheck] = useState<BootCheck | undefined>();
  const [diskConfig, setDiskConfig] = useState<DiskConfigHandOver | undefined>();
  /** --write-disk-config asked for a file that could not be written: no install without it. */
  const [diskConfigFailure, setDiskConfigFailure] = useState<string | undefined>();

  useEffect(() => {
    if (state.plan) return;
    let live = true;
    try {
      const choices = buildChoices(state);
      if (!choices) throw new Error('an earlier screen is not answered yet');
      runtime.services.plan(state.facts!, choices).then(
        (made) => live && dispatch({ type: 'plan-made', plan: made }),
        (caught: unknown) => live && setError(errorText(caught)),
      );
    } catch (caught) {
      setError(errorText(caught));
    }
    return () => {
      live = false;
    };
    // The plan is made once per visit; editing an answer drops it (reducer), so it is made again.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- made once per visit (see above)
  }, [state.plan]);

  // --write-disk-config first (the configuration may import the file), then: will it boot?
  // Checked for each plan before it can be confirmed; a failed check is a skip.
  useEffect(() => {
    setBootCheck(undefined);
    setDiskConfig(undefined);
    setDiskConfigFailure(undefined);
    const plan = state.plan;
    if (!plan) return;
    let live = true;
    const { writeDiskConfig, dryRun, skipBootCheck } = state.preset;
    const handOver = async () => {
      if (writeDiskConfig === undefined) return;
      try {
        const handed = await runtime.services.handOverDiskConfig(plan, state.facts!, writeDiskConfig, !dryRun);
        if (live) setDiskConfig(handed);
      } catch (caught) {
        if (live) setDiskConfigFailure(errorText(caught));
      }
    };
    void handOver()
      .then(() => (skipBootCheck ? { skipped: '--skip-boot-check was given', findings: [] } : runtime.services.checkBoot(plan, state.facts!, runtime.session)))
      .then(
        (check) => live && setBootCheck(check),
        (caught: unknown) => live && setBootCheck({ skipped: errorText(caught), findings: [] }),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per plan, as the plan itself
  }, [state.plan]);
  const bootRefusal = diskConfigFailure
    ? `--write-disk-config: ${diskConfigFailure}`
    : bootCheck && bootBlockers(bootCheck).length > 0
      ? 'the configuration would not boot from what this install creates: add the lines shown, or start again with --skip-boot-check'
      : undefined;

  /** Starts the confirmed plan: the secrets it needs, the journal, the run; then the Install screen. */
  const start = async (confirmed: Plan) => {
    setStarting(true);
    try {
      const { runSecrets } = await import('../../core/install/run-secrets.js');
      const { resumeIdentity } = await import('../../core/install/resume-check.js');
      const handle = await startInstall({
        plan: confirmed,
        session: runtime.session!,
        target: state.target!,
        secrets: runSecrets(confirmed.choices, { luksPassphrase: runtime.vault.luksPassphrase, ageKey: runtime.ageKey?.key }),
        services: runtime.services,
        identity: resumeIdentity(state.facts!, confirmed),
        ...(runtime.ageKey ? { ageKeyFile: runtime.ageKey.file } : {}),
        ...(state.preset.logFile ? { logPath: state.preset.logFile } : {}),
      });
      runtime.install = handle;
      dispatch({ type: 'install-started', logPath: handle.logPath });
    } catch (caught) {
      setStarting(false);
      setError(errorText(caught));
    }
  };

  return { plan: state.plan, error, setError, starting, start, bootCheck, bootRefusal, diskConfig, diskConfigFailure };
}
