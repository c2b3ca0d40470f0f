// The pre-flight "will it boot" check: evaluate the host's configuration here, then compare it
// with the plan. Nothing on the target is touched; without nix the check says it was skipped.
import type { Facts } from '../facts/types.js';
import type { Plan } from '../plan/types.js';
import { evaluateBootConfig, type BootConfigResult } from './boot-config.js';
import { bootFindings, type BootCheck } from './boot-findings.js';

export type { BootCheck };

/** Why a plan's configuration cannot be read here at all, if it cannot. */
export function bootCheckSkipReason(plan: Plan): string | undefined {
  const { mode } = plan.choices.install;
  if (mode === 'prebuilt') return 'a prebuilt system has no configuration to read here';
  if (mode === 'clone') return 'clone mode evaluates the configuration on the target only';
  return undefined;
}

export async function checkBoot(
  plan: Plan,
  facts: Facts,
  evaluate: (flakeRef: string, host: string) => Promise<BootConfigResult> = evaluateBootConfig,
): Promise<BootCheck> {
  const { flake } = plan.choices;
  const skipped = bootCheckSkipReason(plan);
  if (skipped) return { skipped, findings: [] };
  const result = await evaluate(flake.localPath ?? flake.uri, flake.host);
  if ('skipped' in result) return { skipped: result.skipped, findings: [] };
  if ('failed' in result) return { failed: result.failed, findings: [] };
  if ('hosts' in result) {
    const others = result.hosts.length ? `it has ${result.hosts.join(', ')}` : 'it has none';
    return {
      findings: [
        {
          refuse: true,
          message: `the flake has no nixosConfigurations.${flake.host} (${others})`,
          fix: `nixosConfigurations.${flake.host} = nixpkgs.lib.nixosSystem { … };`,
        },
      ],
    };
  }
  return { findings: bootFindings(result.config, plan, facts) };
}
