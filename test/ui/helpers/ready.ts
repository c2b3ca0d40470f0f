// A wizard that has answered everything up to Review: the state and runtime a real run has
// when the person reaches the plan (facts recorded from a real laptop).
import type { HostKeyInfo } from '../../../source/core/ssh/host-identity.js';
import type { Session } from '../../../source/core/ssh/types.js';
import { generateAgeKey, type AgeKey } from '../../../source/core/keys/age.js';
import type { WizardRuntime } from '../../../source/ui/runtime.js';
import type { WizardState } from '../../../source/ui/state/wizard-state.js';
import { fixtureFacts } from './fakes.js';

export const target = { host: '192.0.2.1', port: 22, user: 'root' };
export const fingerprint = 'SHA256:Wq3D9fzKabcdefghijklmnopqrstuvwxyz0123456AB';
export const passphrase = 'Correct-Horse-Battery-9';
export const sataById = '/dev/disk/by-id/ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T123456A';

/** A target session nothing may be sent to (local-command plans only). */
export function idleSession(): Session & { closed: boolean } {
  const refuse = async (): Promise<never> => {
    throw new Error('this test plan runs no command on the target');
  };
  return {
    target,
    fingerprint,
    exec: refuse,
    closed: false,
    async close() {
      this.closed = true;
    },
  };
}

export async function readyForReview(keyFile: string): Promise<{ state: Partial<WizardState>; key: AgeKey; prepare: (runtime: WizardRuntime) => void }> {
  const key = await generateAgeKey();
  const state: Partial<WizardState> = {
    step: 'review',
    history: ['connect', 'disk', 'layout', 'flake', 'keys'],
    target,
    hostKey: { fingerprint } as HostKeyInfo,
    facts: fixtureFacts('laptop-windows-nvme-sata-usb'),
    disk: sataById,
    layout: { kind: 'labels', luks: true, efiSize: '512M', swapSize: '2G' },
    passphraseSet: true,
    resolvedFlake: { uri: 'github:me/nixos-config', host: 'web' },
    ageKey: { recipient: key.recipient, file: keyFile, generated: true },
    secrets: null,
  };
  const prepare = (runtime: WizardRuntime) => {
    runtime.vault.luksPassphrase = passphrase;
    runtime.ageKey = { key, file: keyFile, generated: true };
    runtime.adoptSession(target, idleSession());
  };
  return { state, key, prepare };
}
