// The core calls the wizard makes, in one replaceable object: the real ones are loaded lazily
// (the first frame needs none of ssh2, mDNS or age), and a screen test can swap in fakes for
// the parts that cannot exist in a unit test (the LAN, a target's disks).
import type { BootCheck } from '../core/boot/boot-check.js';
import type { DiskConfigHandOver } from '../core/boot/write-disk-config.js';
import type { DiscoverOptions, Discovery } from '../core/discovery/discover.js';
import type { Facts } from '../core/facts/types.js';
import type { HardwareGenerator } from '../core/defaults.js';
import type { HardwareConfigTarget, SavedHardwareConfig } from '../core/install/hardware-config.js';
import type { AgeKeyChoice } from '../core/install/prepare.js';
import type { RunOptions, RunOutcome } from '../core/install/runner.js';
import type { Journal, JournalData } from '../core/install/journal.js';
import type { SecretsReport } from '../core/keys/secrets-check.js';
import type { Choices, Plan } from '../core/plan/types.js';
import type { ConnectOptions, HostKeyInfo } from '../core/ssh/session.js';
import type { Session, Target } from '../core/ssh/types.js';

export type DiscoveryHandle = Pick<Discovery, 'on' | 'off' | 'stop' | 'result'>;

export interface WizardServices {
  discover(options: DiscoverOptions): Promise<DiscoveryHandle>;
  scanHostKey(target: Target, options: { signal?: AbortSignal }): Promise<HostKeyInfo>;
  connect(target: Target, options: ConnectOptions): Promise<Session>;
  probe(session: Session, options: { force: boolean }): Promise<Facts>;
  checkFlakeSource(flake: Choices['flake'], install: Choices['install']): Promise<Choices['flake']>;
  findHardwareConfig(flakeDir: string, host: string): Promise<string | null>;
  generateHardwareConfig(session: Session, generator: HardwareGenerator): Promise<string>;
  /** `shown`: the file's text when it was shown (null: none); writing refuses a file changed since. */
  saveHardwareConfig(target: HardwareConfigTarget, text: string, write: boolean, shown?: string | null): Promise<SavedHardwareConfig>;
  obtainAgeKey(source: 'generate' | { file: string }, out: string, overwrite: boolean, flakeDir?: string): Promise<AgeKeyChoice>;
  saveAgeKey(choice: AgeKeyChoice, overwrite: boolean): Promise<void>;
  checkSecrets(dir: string, identity: string): Promise<SecretsReport>;
  plan(facts: Facts, choices: Choices): Promise<Plan>;
  handOverDiskConfig(plan: Plan, facts: Facts, path: string, write: boolean): Promise<DiskConfigHandOver>;
  /** `installer`: where the evaluation runs when this machine has no Nix. */
  checkBoot(plan: Plan, facts: Facts, installer?: Session): Promise<BootCheck>;
  startJournal(data: Omit<JournalData, 'version' | 'completed' | 'startedAt' | 'updatedAt'>): Promise<Journal>;
  runPlan(options: RunOptions): Promise<RunOutcome>;
}

export const realServices: WizardServices = {
  discover: async (options) => (await import('../core/discovery/discover.js')).discover(options),
  scanHostKey: async (target, options) => (await import('../core/ssh/session.js')).scanHostKey(target, options),
  connect: async (target, options) => (await import('../core/ssh/session.js')).connect(target, options),
  probe: async (session, options) => (await import('../core/facts/probe.js')).probe(session, options),
  checkFlakeSource: async (flake, install) => (await import('../core/install/prepare.js')).checkFlakeSource(flake, install),
  findHardwareConfig: async (flakeDir, host) => (await import('../core/install/hardware-config.js')).findHardwareConfig(flakeDir, host),
  generateHardwareConfig: async (session, generator) => (await import('../core/install/hardware-config.js')).generateHardwareConfig(session, generator),
  saveHardwareConfig: async (target, text, write, shown) => (await import('../core/install/hardware-config.js')).saveHardwareConfig(target, text, write, shown),
  obtainAgeKey: async (source, out, overwrite, flakeDir) => (await import('../core/install/prepare.js')).obtainAgeKey(source, out, overwrite, flakeDir),
  saveAgeKey: async (choice, overwrite) => (await import('../core/install/prepare.js')).saveAgeKey(choice, overwrite),
  checkSecrets: async (dir, identity) => (await import('../core/keys/secrets-check.js')).checkSecrets(dir, identity),
  plan: async (facts, choices) => (await import('../core/plan/plan.js')).plan(facts, choices),
  handOverDiskConfig: async (plan, facts, path, write) => (await import('../core/boot/write-disk-config.js')).handOverDiskConfig(plan, facts, path, write),
  checkBoot: async (plan, facts, installer) => (await import('../core/boot/boot-check.js')).checkBoot(plan, facts, installer ? { installer } : {}),
  startJournal: async (data) => (await import('../core/install/journal.js')).Journal.start(data),
  runPlan: async (options) => (await import('../core/install/runner.js')).runPlan(options),
};
