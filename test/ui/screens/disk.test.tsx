// The disk table over facts recorded from real machines (a laptop with Windows on NVMe, a SATA
// SSD and the USB stick it booted from; a BIOS server with two equal SATA disks).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureFacts } from '../helpers/fakes.js';
import { keys, mountWizard, plainLines } from '../helpers/wizard.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const atDisk = (name: 'laptop-windows-nvme-sata-usb' | 'bios-server-two-sata', extra: Parameters<typeof mountWizard>[0] = {}) =>
  mountWizard({
    argv: ['root@192.0.2.1'],
    ...extra,
    state: { step: 'disk', history: ['connect'], facts: fixtureFacts(name), ...extra.state },
  });

test('every disk with device, by-id, model, serial, size, transport and partitions; the pick starred with its reason; the rest greyed with why', async () => {
  const ui = atDisk('laptop-windows-nvme-sata-usb');
  cleanup = ui.cleanup;
  const frame = await ui.waitFor('Which disk gets NixOS?');
  const lines = plainLines(frame);
  const row = (name: string) => lines.findIndex((line) => new RegExp(`^. . ${name}\\s`).test(line));
  const nvme = row('nvme0n1');
  assert.ok(nvme > 0, frame);
  assert.match(lines[nvme]!, /❯ ★ nvme0n1\s+931\.5 GiB\s+nvme\s+Samsung SSD 980 PRO 1TB\s+S5GXNF0R123456W/);
  assert.match(lines[nvme + 1]!, /^\s+4 partitions \(gpt\): SYSTEM \(vfat\), .*\(ntfs\)/);
  assert.match(lines[nvme + 2]!, /^\s+\/dev\/disk\/by-id\/nvme-Samsung_SSD_980_PRO_1TB_S5GXNF0R123456W$/);
  assert.match(lines[nvme + 3]!, /★ recommended: has EFI boot entry/);
  const sda = row('sda');
  assert.match(lines[sda]!, /● sda\s+931\.5 GiB\s+sata\s+Samsung SSD 870 EVO 1TB/);
  const usb = row('sdb');
  assert.match(lines[usb]!, /✖ sdb\s+.*usb\s+Cruzer Blade/);
  assert.match(lines[usb + 3]!, /not eligible: the installer's boot medium; mounted: \/iso; removable/);
  const loop = row('loop0');
  assert.match(lines[loop + 3]!, /not eligible: loop device;/);
  assert.match(frame, /2 of 4 disks eligible · the layout needs 4\.\d GiB/);
});

test('Enter on a greyed disk says why and stays; Enter on an eligible one goes on, and Esc comes back to it', async () => {
  const ui = atDisk('laptop-windows-nvme-sata-usb');
  cleanup = ui.cleanup;
  await ui.waitFor('Which disk gets NixOS?');
  await ui.press(keys.up); // sdb, the USB stick
  await ui.waitFor(/❯ ✖ sdb/);
  await ui.press(keys.enter);
  await ui.waitFor("/dev/sdb cannot be used: the installer's boot medium; mounted: /iso; removable");
  await ui.press(keys.up);
  await ui.waitFor(/❯ ● sda/);
  await ui.press(keys.enter);
  await ui.waitFor('Partition layout and encryption');
  await ui.press(keys.escape);
  await ui.waitFor(/❯ ● sda/);
});

test('↑ and Enter read together act on the disk the highlight moved to (here: refused, greyed)', async () => {
  const ui = atDisk('laptop-windows-nvme-sata-usb');
  cleanup = ui.cleanup;
  await ui.waitFor(/❯ ★ nvme0n1/);
  await ui.press(keys.up + keys.enter); // one write
  const frame = await ui.waitFor('/dev/sdb cannot be used');
  assert.match(frame, /❯ ✖ sdb/);
  assert.match(frame, /Which disk gets NixOS\?/);
});

test('without EFI entries or ESPs, the disk with most partitions is recommended', async () => {
  const ui = atDisk('bios-server-two-sata');
  cleanup = ui.cleanup;
  const frame = await ui.waitFor('recommended');
  assert.match(frame, /❯ ★ sda/);
  assert.match(frame, /★ recommended: most partitions/);
  assert.match(frame, /BIOS · 2 of 4 disks eligible/);
});

test('a short terminal scrolls the table to keep the cursor disk in view', async () => {
  const ui = atDisk('laptop-windows-nvme-sata-usb', { rows: 12, columns: 80 });
  cleanup = ui.cleanup;
  let frame = await ui.waitFor((text) => /❯ ★ nvme0n1/.test(text) && plainLines(text).length <= 11);
  assert.doesNotMatch(frame, /loop0/, 'the first disk scrolled out');
  await ui.press(keys.up, keys.up, keys.up);
  frame = await ui.waitFor(/❯ ✖ loop0/);
  assert.doesNotMatch(frame, /nvme0n1/);
});

test('a --disk the probe refused is named at the top, and another disk can be chosen', async () => {
  const ui = atDisk('laptop-windows-nvme-sata-usb', {
    state: { presetDisk: { disk: '/dev/sdb', error: "refusing --disk /dev/sdb (/dev/sdb): the installer's boot medium" } },
  });
  cleanup = ui.cleanup;
  const frame = await ui.waitFor('--disk refused');
  assert.match(frame, /choose a disk below instead/);
});

test('a USB backup drive that reports itself fixed (RM=0) is marked external and never recommended, but can be chosen', async () => {
  const facts = fixtureFacts('bios-server-two-sata');
  const sdb = facts.disks.find((d) => d.name === 'sdb')!;
  sdb.transport = 'usb';
  const ui = atDisk('bios-server-two-sata', { state: { facts } });
  cleanup = ui.cleanup;
  const frame = await ui.waitFor('recommended');
  const lines = plainLines(frame);
  const usb = lines.findIndex((line) => /^. . sdb\s/.test(line));
  assert.match(lines[usb]!, /● sdb\s+.*usb/);
  assert.match(lines[usb + 3]!, /external \(usb\): never recommended; (holds|empty)/);
  assert.match(frame, /❯ ★ sda/);
  await ui.press(keys.down);
  await ui.waitFor(/❯ ● sdb/);
  await ui.press(keys.enter);
  await ui.waitFor('Partition layout and encryption');
});
