// Review: the whole plan (made by the real planner) with secrets redacted, and a confirmation
// that only the disk's name passes. The run itself is captured, not executed (no target here).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunOptions } from '../../../source/core/install/runner.js';
import { scratchStateHome } from '../helpers/state-home.js';
import { passphrase, readyForReview, sataById } from '../helpers/ready.js';
import { keys, localServices, mountWizard } from '../helpers/wizard.js';

const work = scratchStateHome('nb-ui-review-');
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

test('the summary and every command of the plan, secrets redacted; only the disk name confirms; the run gets the secrets on the side', async () => {
  const ready = await readyForReview(join(work, 'web.agekey'));
  const captured: { run?: RunOptions } = {};
  const ui = mountWizard({
    argv: ['root@192.0.2.1'],
    state: ready.state,
    runtime: ready.prepare,
    rows: 40,
    columns: 120,
    services: {
      ...(await localServices()),
      startJournal: (await import('../../../source/ui/services.js')).realServices.startJournal,
      runPlan: async (options) => {
        captured.run = options;
        // Stays running until stopped (the test's cleanup stops it).
        return new Promise((resolve) => options.signal!.addEventListener('abort', () => resolve({ status: 'aborted', message: 'stopped' })));
      },
    },
  });
  cleanup = ui.cleanup;
  let frame = await ui.waitFor('Type sda to erase /dev/sda and install');
  assert.match(frame, /Target\s+root@192\.0\.2\.1 · host key SHA256:Wq3D9fzK/);
  assert.match(frame, new RegExp(`Disk\\s+/dev/sda \\(sata, 931\\.5 GiB, Samsung SSD 870 EVO 1TB, serial S6PUNX0T123456A\\)\\n\\s+${sataById}\\n`));
  assert.match(frame, /Layout\s+labels · LUKS2 \(cryptroot\) · swap 2 GiB · ESP 512 MiB/);
  assert.match(frame, /System\s+github:me\/nixos-config#web · mode flake · then poweroff/);
  assert.match(frame, new RegExp(`Age key\\s+${ready.key.recipient} → /etc/age/web\\.agekey`));
  assert.match(frame, /1\. Partition the disk/);
  assert.match(frame, /DESTROYS every partition and all data on \/dev\/sda/);
  assert.match(frame, /cryptsetup luksFormat [^]* < <redacted LUKS passphrase>/);
  assert.ok(!frame.includes(passphrase) && !frame.includes('AGE-SECRET-KEY'), 'no secret on screen');
  // Scroll to the end of the plan.
  await ui.press(keys.pageDown, keys.pageDown, keys.pageDown, keys.pageDown);
  frame = await ui.waitFor(/Before you go on:|US keyboard layout/);
  assert.match(frame, /! At boot the passphrase is typed with a US keyboard layout/);

  await ui.type('sdb');
  await ui.press(keys.enter);
  await ui.waitFor("Type sda exactly to confirm (you typed 'sdb')");
  assert.equal(captured.run, undefined, 'nothing runs without the right name');
  await ui.type('sda');
  await ui.press(keys.enter);
  await ui.waitFor('Installing web on /dev/sda');
  const run = captured.run as RunOptions | undefined;
  assert.ok(run, 'the run started');
  assert.equal(run!.plan.choices.disk, sataById, 'the by-id path is what the plan records');
  assert.equal(run!.secrets['luks-passphrase'], passphrase);
  assert.match(run!.secrets['age-identity'] ?? '', /^# created: .*\n# public key: age1.*\nAGE-SECRET-KEY-1/);
  assert.ok(!JSON.stringify(run!.plan).includes(passphrase), 'the plan holds no secret');
  assert.ok(run!.journal.value.logFile?.startsWith(join(work, 'state', 'nixos-bootstrap', 'web-')));
});

test('a layout that does not fit the disk is refused on Review, and Esc goes back to fix it', async () => {
  const ready = await readyForReview(join(work, 'web2.agekey'));
  const ui = mountWizard({
    argv: ['root@192.0.2.1'],
    state: { ...ready.state, layout: { kind: 'labels', luks: false, efiSize: '512M', swapSize: '2000G' } },
    runtime: ready.prepare,
    services: await localServices(),
  });
  cleanup = ui.cleanup;
  await ui.waitFor(/is too small for\s+this\s+layout/);
  await ui.press(keys.escape);
  await ui.waitFor("The host's age key");
});

test('--dry-run shows the plan and Enter ends without running anything (exit 0)', async () => {
  const ready = await readyForReview(join(work, 'web3.agekey'));
  const ui = mountWizard({
    argv: ['root@192.0.2.1', '--dry-run'],
    state: ready.state,
    runtime: ready.prepare,
    services: await localServices(),
  });
  cleanup = ui.cleanup;
  await ui.waitFor('Enter ends the dry run');
  assert.doesNotMatch(ui.frame(), /Type sda/);
  await ui.press(keys.enter);
  const { code, farewell } = await ui.exited;
  assert.equal(code, 0);
  assert.match(farewell ?? '', /^Dry run: nothing was changed\. The plan was:\nTarget disk: \/dev\/sda/);
});

test('a boot check that refuses blocks the confirmation on Review; --skip-boot-check lets it through', async () => {
  const refusing = async () => ({
    findings: [
      {
        refuse: true,
        message: 'the configuration mounts / from /dev/disk/by-uuid/1234, which this install does not create',
        fix: 'fileSystems."/" = { device = "/dev/mapper/cryptroot"; fsType = "ext4"; };',
      },
    ],
  });
  for (const skip of [false, true]) {
    const ready = await readyForReview(join(work, `boot${skip}.agekey`));
    const started: string[] = [];
    const ui = mountWizard({
      argv: ['root@192.0.2.1', ...(skip ? ['--skip-boot-check'] : [])],
      state: ready.state,
      runtime: ready.prepare,
      rows: 60,
      columns: 140,
      services: {
        ...(await localServices()),
        checkBoot: refusing,
        startJournal: async () => {
          started.push('journal');
          throw new Error('stop here: the run would start');
        },
      },
    });
    cleanup = ui.cleanup;
    await ui.waitFor('Type sda to erase /dev/sda and install');
    await ui.press(keys.pageDown, keys.pageDown, keys.pageDown, keys.pageDown);
    const frame = await ui.waitFor(skip ? 'Boot check skipped: --skip-boot-check was given' : 'Boot check:');
    if (!skip) {
      assert.match(frame, /✖ the configuration mounts \/ from \/dev\/disk\/by-uuid\/1234/);
      assert.match(frame, /add: fileSystems."\/" = \{ device = "\/dev\/mapper\/cryptroot"; fsType = "ext4"; \};/);
    }
    await ui.type('sda');
    await ui.press(keys.enter);
    if (!skip) {
      await ui.waitFor('Refused: the configuration would not boot from what this install creates');
      assert.deepEqual(started, [], 'nothing starts');
    } else {
      await ui.waitFor('stop here: the run would start');
      assert.deepEqual(started, ['journal']);
    }
    await ui.cleanup();
    cleanup = undefined;
  }
});

test('--write-disk-config: the module is handed over before the boot check and named in the summary; without it, a check that could not confirm the layout shows the module', async () => {
  for (const flag of [true, false]) {
    const ready = await readyForReview(join(work, `disks${flag}.agekey`));
    const order: string[] = [];
    const ui = mountWizard({
      argv: ['root@192.0.2.1', ...(flag ? ['--write-disk-config', '/work/flake/hosts/web/disks.nix'] : [])],
      state: ready.state,
      runtime: ready.prepare,
      rows: 80,
      columns: 160,
      services: {
        ...(await localServices()),
        handOverDiskConfig: async (plan, facts, path, write) => {
          order.push(`hand-over ${path} write=${write}`);
          const { diskConfigNix } = await import('../../../source/core/boot/disk-config.js');
          return { path, text: diskConfigNix(plan, facts)!, written: write, gitAdded: write };
        },
        checkBoot: async () => {
          order.push('boot check');
          return { skipped: 'Nix is not set up on this machine (no /nix/store); the installer has no nix', findings: [] };
        },
      },
    });
    cleanup = ui.cleanup;
    let frame = await ui.waitFor('Type sda to erase /dev/sda and install');
    if (flag) {
      assert.deepEqual(order, ['hand-over /work/flake/hosts/web/disks.nix write=true', 'boot check']);
      assert.match(frame, /Disks\s+\/work\/flake\/hosts\/web\/disks\.nix \(written, git add -N; import it from the host\)/);
    } else assert.deepEqual(order, ['boot check']);
    await ui.press(keys.pageDown, keys.pageDown, keys.pageDown, keys.pageDown, keys.pageDown, keys.pageDown);
    frame = await ui.waitFor('Boot check skipped');
    if (flag) assert.doesNotMatch(frame, /The module that matches this layout/);
    else {
      assert.match(frame, /The module that matches this layout: import it from web's configuration \(--write-disk-config hosts\/web\/disks\.nix/);
      assert.match(frame, /fileSystems\."\/" = \{ device = "\/dev\/mapper\/cryptroot"; fsType = "ext4"; \};/);
      assert.match(frame, /boot\.initrd\.luks\.devices\."cryptroot"\.device = "\/dev\/disk\/by-label\/cryptroot";/);
    }
    await ui.cleanup();
    cleanup = undefined;
  }
});

test('a --write-disk-config that cannot be written blocks the confirmation (the install would go on without the file)', async () => {
  const ready = await readyForReview(join(work, 'disksfail.agekey'));
  const started: string[] = [];
  const ui = mountWizard({
    argv: ['root@192.0.2.1', '--write-disk-config', '/work/flake/hosts/web/disks.nix'],
    state: ready.state,
    runtime: ready.prepare,
    rows: 60,
    columns: 160,
    services: {
      ...(await localServices()),
      handOverDiskConfig: async () => {
        throw new Error('/work/flake/hosts/web/disks.nix exists and was changed since nixos-bootstrap wrote it');
      },
      checkBoot: async () => ({ findings: [] }),
      startJournal: async () => {
        started.push('journal');
        throw new Error('stop here: the run would start');
      },
    },
  });
  cleanup = ui.cleanup;
  await ui.waitFor('--write-disk-config: /work/flake/hosts/web/disks.nix exists and was changed');
  await ui.type('sda');
  await ui.press(keys.enter);
  await ui.waitFor('Refused: --write-disk-config: /work/flake/hosts/web/disks.nix exists');
  assert.deepEqual(started, [], 'nothing starts');
});
