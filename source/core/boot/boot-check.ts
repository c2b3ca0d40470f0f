// The pre-flight "will it boot" check: evaluate the host's configuration here (or, without Nix
// here, on the installer), then compare it with the plan. No disk is touched; without any Nix
// the check says it was skipped.
import type { Facts } from '../facts/types.js';
import type { Plan } from '../plan/types.js';
import type { Session } from '../ssh/types.js';
import { evaluateBootConfig, evaluateBootConfigOn, type BootConfigResult } from './boot-config.js';
import { bootFindings, type BootCheck } from './boot-findings.js';

export type { BootCheck };

/** Why a plan's configuration cannot be read here at all, if it cannot. */
export function bootCheckSkipReason(plan: Plan): string | undefined {
  const { mode } = plan.choices.install;
  if (mode === 'prebuilt') return 'a prebuilt system has no configuration to read here';
  if (mode === 'clone') return 'clone mode evaluates the configuration on the target only';
  return undefined;
}

export interface BootCheckOptions {
  /** Evaluates on this machine (tests pass one with a scratch store). */
  evaluate?: (flakeRef: string, host: string) => Promise<BootConfigResult>;
  /** The installer's session: the evaluation runs there when this machine has no Nix and it has. */
  installer?: Session;
}

export async function checkBoot(plan: Plan, facts: Facts, options: BootCheckOptions = {}): Promise<BootCheck> {
  const { flake } = plan.choices;
  const skipped = bootCheckSkipReason(plan);
  if (skipped) return { skipped, findings: [] };
  let result = await (options.evaluate ?? evaluateBootConfig)(flake.localPath ?? flake.uri, flake.host);
  let evaluatedOn: BootCheck['evaluatedOn'] = 'this machine';
  if ('skipped' in result && options.installer) {
    const here = result.skipped;
    if (!facts.tools.nix) return { skipped: `${here}; the installer has no nix`, findings: [] };
    result = await evaluateBootConfigOn(options.installer, flake, flake.host);
    if ('skipped' in result) return { skipped: `${here}; ${result.skipped}`, findings: [] };
    evaluatedOn = 'the installer';
  }
  if ('skipped' in result) return { skipped: result.skipped, findings: [] };
  if ('failed' in result) return { failed: result.failed, evaluatedOn, findings: [] };
  if ('hosts' in result) {
    const others = result.hosts.length ? `it has ${result.hosts.join(', ')}` : 'it has none';
    return {
      evaluatedOn,
      findings: [
        {
          refuse: true,
          message: `the flake has no nixosConfigurations.${flake.host} (${others})`,
          fix: `nixosConfigurations.${flake.host} = nixpkgs.lib.nixosSystem { … };`,
        },
      ],
    };
  }
  return { evaluatedOn, findings: bootFindings(result.config, plan, facts) };
}
