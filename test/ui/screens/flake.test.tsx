// Flake & host: the reference is checked before anything is touched (a local flake needs its
// flake.nix here), per install mode. Real checks on temporary directories.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureFacts } from '../helpers/fakes.js';
import { keys, localServices, mountWizard } from '../helpers/wizard.js';

const work = mkdtempSync(join(tmpdir(), 'nb-ui-flake-'));
after(() => rmSync(work, { recursive: true, force: true }));
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const atFlake = async () =>
  mountWizard({
    argv: ['root@192.0.2.1'],
    services: await localServices(),
    state: { step: 'flake', history: ['connect', 'disk', 'layout'], facts: fixtureFacts('laptop-windows-nvme-sata-usb'), disk: '/dev/sda' },
  });

async function submitFlake(ui: Awaited<ReturnType<typeof atFlake>>, text: string) {
  await ui.press(keys.up, keys.up, keys.up); // back to the first field
  await ui.waitFor(/❯ Flake/);
  await ui.press(keys.end, keys.ctrlU);
  await ui.type(text);
  await ui.press(keys.enter, keys.enter, keys.enter);
}

test('a local flake must exist and hold flake.nix; then the keys screen follows', async () => {
  const ui = await atFlake();
  cleanup = ui.cleanup;
  await ui.waitFor('Which configuration goes on this machine?');
  await ui.type('github:me/nixos-config');
  await ui.press(keys.enter, keys.enter, keys.enter);
  await ui.waitFor("flake reference 'github:me/nixos-config' names no host");
  const missing = join(work, 'nope');
  await submitFlake(ui, `${missing}#web`);
  await ui.waitFor(`flake directory ${missing} does not exist`);
  const empty = join(work, 'empty');
  mkdirSync(empty);
  await submitFlake(ui, `${empty}#web`);
  await ui.waitFor(`${empty} has no flake.nix`);
  writeFileSync(join(empty, 'flake.nix'), '{ outputs = _: { }; }\n');
  // With the host's hardware configuration there, the hardware screen has nothing to offer.
  mkdirSync(join(empty, 'hosts', 'web'), { recursive: true });
  writeFileSync(join(empty, 'hosts', 'web', 'hardware-configuration.nix'), '{ }\n');
  await submitFlake(ui, `${empty}#web`);
  await ui.waitFor("The host's age key");
  assert.match(ui.frame(), /Save to\s+web\.agekey/, 'the key file is named after the host');
});

test('clone asks for the repository and the host name', async () => {
  const ui = await atFlake();
  cleanup = ui.cleanup;
  await ui.waitFor('Which configuration goes on this machine?');
  await ui.press(keys.down, keys.right);
  await ui.waitFor('git clone on the target');
  await ui.press(keys.down, keys.down, keys.down, keys.enter);
  await ui.waitFor('clone needs the repository URL');
  await ui.press(keys.up, keys.up);
  await ui.type('https://example.org/me/nixos-config.git');
  await ui.press(keys.enter);
  await ui.type('web 1');
  await ui.press(keys.enter, keys.enter);
  await ui.waitFor("'web 1' is not a host name");
  await ui.press(keys.up, keys.backspace, keys.backspace);
  await ui.press(keys.enter, keys.enter);
  await ui.waitFor("The host's age key");
});
