import type { Candidate } from '../../core/discovery/candidate.js';
import type { Facts } from '../../core/facts/types.js';
import type { RunOutcome } from '../../core/install/runner.js';
import type { SecretsReport } from '../../core/keys/secrets-check.js';
import type { Choices, Plan } from '../../core/plan/types.js';
import type { HostKeyInfo } from '../../core/ssh/host-identity.js';
import type { Target } from '../../core/ssh/types.js';
import type { AgeKeyInfo, FlakeAnswers, HardwareAnswers, HardwareResult, KeyAnswers, LayoutAnswers } from './wizard-state.js';

/** Every way the wizard's state changes. */
export type WizardAction =
  | { type: 'help'; open: boolean }
  | { type: 'back' }
  | { type: 'target-picked'; target: Target; candidate?: Candidate }
  | { type: 'connected'; hostKey: HostKeyInfo; facts: Facts; presetDisk?: { disk?: string; error?: string } }
  | { type: 'disk-chosen'; disk: string }
  | { type: 'layout-edited'; patch: Partial<LayoutAnswers> }
  | { type: 'layout-chosen'; passphraseSet: boolean }
  | { type: 'flake-edited'; patch: Partial<FlakeAnswers> }
  /** `hardwareConfig`: what the local flake has for the host (null: nothing; absent: not looked). */
  | { type: 'flake-chosen'; resolved: Choices['flake']; hardwareConfig?: string | null }
  | { type: 'hardware-edited'; patch: Partial<HardwareAnswers> }
  /** Generated (and saved unless a dry run), or skipped (no result). */
  | { type: 'hardware-done'; result?: HardwareResult }
  | { type: 'keys-edited'; patch: Partial<KeyAnswers> }
  | { type: 'age-key-ready'; ageKey: AgeKeyInfo | null; report: SecretsReport | null }
  | { type: 'age-key-cleared' }
  | { type: 'age-key-accepted' }
  | { type: 'plan-made'; plan: Plan }
  | { type: 'install-started'; logPath: string }
  | { type: 'install-retried' }
  | { type: 'stop-asked' }
  | { type: 'stop-cancelled' }
  | { type: 'stop-confirmed' }
  | { type: 'install-finished'; outcome: RunOutcome; elapsedMs: number; lastLines?: string[] };
