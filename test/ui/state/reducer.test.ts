// The wizard's state machine: skipping what flags answered, Esc through history without losing
// answers, forgetting a machine's answers when another machine is picked, the hardware screen's
// conditions, the install phases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostKeyInfo } from '../../../source/core/ssh/host-identity.js';
import { wizardReducer } from '../../../source/ui/state/reducer.js';
import { isSkipped, nextStep, visibleSteps } from '../../../source/ui/state/steps.js';
import { initialState, type PresetDecisions, type WizardState } from '../../../source/ui/state/wizard-state.js';
import { buildChoices } from '../../../source/ui/state/choices.js';
import { defaultHardwarePath } from '../../../source/ui/state/hardware.js';
import { parseWizardFlags } from '../../../source/ui/wizard-options.js';
import { fixtureFacts } from '../helpers/fakes.js';

const none: PresetDecisions = { layout: false, flake: null, ageKey: null };
const start = (argv: string[] = [], decided: Partial<PresetDecisions> = {}) => initialState(parseWizardFlags(argv, {}), { ...none, ...decided });
const target = { host: '192.0.2.1', port: 22, user: 'root' };
const hostKey = { fingerprint: 'SHA256:x' } as HostKeyInfo;
const facts = fixtureFacts('laptop-windows-nvme-sata-usb');

test('the full path visits every screen in order; Esc walks back through them', () => {
  let state: WizardState = start();
  assert.equal(state.step, 'discover');
  state = wizardReducer(state, { type: 'target-picked', target });
  assert.equal(state.step, 'connect');
  state = wizardReducer(state, { type: 'connected', hostKey, facts });
  assert.equal(state.step, 'disk');
  state = wizardReducer(state, { type: 'disk-chosen', disk: '/dev/sda' });
  assert.equal(state.step, 'layout');
  state = wizardReducer(state, { type: 'layout-edited', patch: { luks: true, swapSize: '4G' } });
  state = wizardReducer(state, { type: 'layout-chosen', passphraseSet: true });
  assert.equal(state.step, 'flake');
  state = wizardReducer(state, { type: 'flake-chosen', resolved: { uri: 'github:me/c', host: 'web' } });
  assert.equal(state.step, 'keys');
  state = wizardReducer(state, { type: 'age-key-ready', ageKey: { recipient: 'age1x', file: '/k', generated: true }, report: null });
  assert.equal(state.step, 'keys', 'the public key is shown before going on');
  state = wizardReducer(state, { type: 'age-key-accepted' });
  assert.equal(state.step, 'review');
  assert.deepEqual(state.history, ['discover', 'connect', 'disk', 'layout', 'flake', 'keys']);
  for (const expected of ['keys', 'flake', 'layout', 'disk', 'connect', 'discover'] as const) {
    state = wizardReducer(state, { type: 'back' });
    assert.equal(state.step, expected);
  }
  assert.equal(state.layout.swapSize, '4G', 'answers survive going back');
  assert.equal(state.layout.luks, true);
  assert.equal(wizardReducer(state, { type: 'back' }), state, 'nothing before the first screen');
});

test('flags skip their screens: TARGET skips discover, --disk skips disk once the probe accepted it, decided layout/flake/key skip theirs', () => {
  let state = start(['root@192.0.2.1', '--disk', '/dev/sda'], {
    layout: true,
    flake: { uri: 'github:me/c', host: 'web' },
    ageKey: { info: null, report: null },
  });
  assert.equal(state.step, 'connect');
  assert.deepEqual(visibleSteps(state), ['connect', 'disk', 'review', 'install', 'done']);
  state = wizardReducer(state, { type: 'connected', hostKey, facts, presetDisk: { disk: '/dev/disk/by-id/ata-x' } });
  assert.equal(state.step, 'review');
  assert.equal(state.disk, '/dev/disk/by-id/ata-x');
  assert.deepEqual(visibleSteps(state), ['connect', 'review', 'install', 'done']);
  state = wizardReducer(state, { type: 'back' });
  assert.equal(state.step, 'connect');
  state = wizardReducer(state, { type: 'back' });
  assert.equal(state.step, 'discover', 'from a TARGET given as a flag, Esc still offers discovery');
});

test('a --disk the probe refused shows the disk screen with the reason', () => {
  let state = start(['root@192.0.2.1', '--disk', '/dev/sdb']);
  state = wizardReducer(state, { type: 'connected', hostKey, facts, presetDisk: { disk: '/dev/sdb', error: 'removable' } });
  assert.equal(state.step, 'disk');
  assert.equal(state.disk, undefined);
});

test('the mounted layout needs no disk: the disk screen is skipped', () => {
  let state = start(['root@192.0.2.1', '--layout', 'mounted'], { layout: true });
  assert.equal(isSkipped('disk', state), true);
  state = wizardReducer(state, { type: 'connected', hostKey, facts });
  assert.equal(state.step, 'flake');
  assert.equal(nextStep('connect', state), 'flake');
});

test('picking another machine forgets its host key, facts, disk and plan; the same machine keeps them', () => {
  let state = start();
  state = wizardReducer(state, { type: 'target-picked', target });
  state = wizardReducer(state, { type: 'connected', hostKey, facts });
  state = wizardReducer(state, { type: 'disk-chosen', disk: '/dev/sda' });
  const again = wizardReducer(wizardReducer(state, { type: 'back' }), { type: 'target-picked', target });
  assert.equal(again.disk, '/dev/sda');
  const other = wizardReducer(state, { type: 'target-picked', target: { ...target, host: '192.0.2.2' } });
  assert.equal(other.disk, undefined);
  assert.equal(other.facts, undefined);
  assert.equal(other.hostKey, undefined);
});

test('editing an answer drops the plan made from the old ones', () => {
  let state: WizardState = { ...start(), plan: { choices: {} as never, disk: null, phases: [], warnings: [] } };
  state = wizardReducer(state, { type: 'layout-edited', patch: { swapSize: '1G' } });
  assert.equal(state.plan, undefined);
});

test('install: Ctrl-C asks (confirm-stop), another key goes on, a second Ctrl-C stops; the outcome moves to Done', () => {
  let state: WizardState = { ...start(), step: 'review', history: ['connect'] };
  state = wizardReducer(state, { type: 'install-started', logPath: '/l.log' });
  assert.equal(state.step, 'install');
  assert.equal(wizardReducer(state, { type: 'back' }).step, 'install', 'no way back during the install');
  state = wizardReducer(state, { type: 'stop-asked' });
  assert.equal(state.install?.phase, 'confirm-stop');
  assert.equal(wizardReducer(state, { type: 'stop-cancelled' }).install?.phase, 'running');
  state = wizardReducer(state, { type: 'stop-confirmed' });
  assert.equal(state.install?.phase, 'stopping');
  assert.equal(wizardReducer(state, { type: 'stop-asked' }).install?.phase, 'stopping');
  state = wizardReducer(state, { type: 'install-finished', outcome: { status: 'aborted', phase: 'install', message: 'stopped' }, elapsedMs: 5 });
  assert.deepEqual([state.step, state.install?.phase, state.install?.stoppedAt], ['done', 'aborted', 'install']);
});

test('install: only a failed run is retried, back to Install with the same log; a stopped or finished one is not', () => {
  const started = wizardReducer({ ...start(), step: 'review', history: ['connect'] }, { type: 'install-started', logPath: '/l.log' });
  const failed = wizardReducer(started, {
    type: 'install-finished',
    outcome: { status: 'failed', phase: 'format', message: 'mkfs failed' },
    elapsedMs: 5,
    lastLines: ['x'],
  });
  assert.deepEqual([failed.step, failed.install?.phase], ['done', 'failed']);
  const retried = wizardReducer(failed, { type: 'install-retried' });
  assert.equal(retried.step, 'install');
  assert.deepEqual(retried.install, { phase: 'running', logPath: '/l.log' }, 'the old failure is not carried into the new run');
  assert.equal(wizardReducer(retried, { type: 'install-retried' }), retried, 'not while running');
  const aborted = wizardReducer(started, { type: 'install-finished', outcome: { status: 'aborted', phase: 'install', message: 'stopped' }, elapsedMs: 5 });
  assert.equal(wizardReducer(aborted, { type: 'install-retried' }), aborted);
  const done = wizardReducer(started, { type: 'install-finished', outcome: { status: 'done' }, elapsedMs: 5 });
  assert.equal(wizardReducer(done, { type: 'install-retried' }), done);
});

test('choices: the answers become the same Choices the headless install builds', () => {
  const preset = parseWizardFlags(['--luks-label', 'vault', '--mkdir', 'persist', '--finish', 'none'], {});
  const state: WizardState = {
    ...initialState(preset, none),
    disk: '/dev/disk/by-id/ata-x',
    layout: { kind: 'labels', luks: true, efiSize: '1G', swapSize: '8G' },
    resolvedFlake: { uri: '/home/me/cfg', host: 'web', localPath: '/home/me/cfg' },
    ageKey: { recipient: 'age1abc', file: '/k', generated: true },
  };
  assert.deepEqual(buildChoices(state), {
    disk: '/dev/disk/by-id/ata-x',
    layout: { kind: 'labels', efiSizeMiB: 1024, swapSizeMiB: 8192, luks: { label: 'vault', name: 'cryptroot' } },
    labels: { efi: 'boot', root: 'nixos', swap: 'swap' },
    mkdirs: ['persist'],
    postMount: [],
    tmpstore: false,
    flake: { uri: '/home/me/cfg', host: 'web', localPath: '/home/me/cfg' },
    install: { mode: 'flake', repoPath: '/mnt/nix-config' },
    extraFiles: null,
    ageKey: { recipient: 'age1abc', path: '/etc/age/web.agekey' },
    hostKey: null,
    finish: 'none',
  });
  assert.equal(buildChoices({ ...state, ageKey: undefined }), undefined, 'not before every screen was answered');
});

test('hardware: shown after a local flake without the host’s hardware configuration; skipped when it has one, for a remote flake, or other modes', () => {
  const local = { uri: '/home/me/cfg', host: 'web', localPath: '/home/me/cfg' };
  const atFlake: WizardState = { ...start(['root@192.0.2.1']), step: 'flake', history: ['connect', 'disk', 'layout'] };
  let state = wizardReducer(atFlake, { type: 'flake-chosen', resolved: local, hardwareConfig: null });
  assert.equal(state.step, 'hardware');
  assert.deepEqual(visibleSteps(state), ['connect', 'disk', 'layout', 'flake', 'hardware', 'keys', 'review', 'install', 'done']);
  state = wizardReducer(state, { type: 'hardware-edited', patch: { choice: 'nixos-facter', path: 'hw/facter.json' } });
  const result = { generator: 'nixos-facter', path: '/home/me/cfg/hw/facter.json', change: 'new', written: true } as const;
  state = wizardReducer(state, { type: 'hardware-done', result });
  assert.equal(state.step, 'keys');
  assert.deepEqual(state.hardwareResult, result);
  state = wizardReducer(state, { type: 'back' });
  assert.equal(state.step, 'hardware', 'Esc from keys comes back here');
  assert.deepEqual(state.hardware, { choice: 'nixos-facter', path: 'hw/facter.json' }, 'the answers are kept');
  assert.equal(wizardReducer(state, { type: 'hardware-done' }).hardwareResult, undefined, 'skipped this time: nothing generated');
  state = wizardReducer(wizardReducer(state, { type: 'back' }), { type: 'flake-chosen', resolved: { uri: 'github:me/c', host: 'web' } });
  assert.equal(state.step, 'keys', 'a remote flake has nothing to write into');
  assert.equal(state.hardwareFound, undefined, 'what was found in the old flake is forgotten');
  assert.equal(state.hardwareResult, undefined);

  assert.equal(wizardReducer(atFlake, { type: 'flake-chosen', resolved: local, hardwareConfig: 'hosts/web/hardware-configuration.nix' }).step, 'keys');
  const clone = { ...atFlake, flake: { ...atFlake.flake, mode: 'clone' as const } };
  assert.equal(wizardReducer(clone, { type: 'flake-chosen', resolved: local, hardwareConfig: null }).step, 'keys', 'only flake and copy build from it');
  const copy = { ...atFlake, flake: { ...atFlake.flake, mode: 'copy' as const } };
  assert.equal(wizardReducer(copy, { type: 'flake-chosen', resolved: local, hardwareConfig: null }).step, 'hardware');
});

test('hardware: a flake given as a flag is looked at up front; --generate-hardware-config shows the screen even when one exists', () => {
  const local = { uri: '/home/me/cfg', host: 'web', localPath: '/home/me/cfg' };
  const decided = { layout: true, flake: local, ageKey: { info: null, report: null } };
  assert.deepEqual(visibleSteps(start(['root@192.0.2.1'], { ...decided, hardwareConfig: null })), ['connect', 'disk', 'hardware', 'review', 'install', 'done']);
  assert.equal(isSkipped('hardware', start(['root@192.0.2.1'], { ...decided, hardwareConfig: 'hardware-configuration.nix' })), true);
  assert.equal(isSkipped('hardware', start(['root@192.0.2.1'], decided)), true, 'not looked for: not offered');
  const flag = ['root@192.0.2.1', '--generate-hardware-config', 'nixos-facter', '/home/me/cfg/machines/web/facter.json'];
  const state = start(flag, { ...decided, hardwareConfig: 'hosts/web/hardware-configuration.nix' });
  assert.equal(isSkipped('hardware', state), false);
  assert.equal(state.hardware.choice, 'nixos-facter', 'the generator is pre-selected');
  assert.equal(defaultHardwarePath(state, 'nixos-facter'), 'machines/web/facter.json', "the flag's path, relative to the flake");
  assert.equal(defaultHardwarePath(state, 'nixos-generate-config'), 'hosts/web/hardware-configuration.nix', 'another generator: its own default');
  const outside = start(['--generate-hardware-config', 'nixos-facter', '/elsewhere/facter.json'], { ...decided, hardwareConfig: null });
  assert.equal(defaultHardwarePath(outside, 'nixos-facter'), '/elsewhere/facter.json', 'outside the flake it stays as given, for the check to name');
});
