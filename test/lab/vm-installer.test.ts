// Issue 3's promise: the lab's VM installer is a real kernel doing real disk work. From the
// laptop namespace: find it by mDNS and at fe80::47, log in, see its disks as on hardware, and do
// GPT + LUKS2 (dm-crypt for real) + ext4 + vfat + swap + mounts under /mnt + the install stand-in.
// Booted twice: the second boot must come from the kernel/initramfs cache. Then once with EFI.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import type { LabSpec } from '../../source/lab/lab-spec.js';
import type { LabState } from '../../source/lab/lab-state.js';
import { startVm } from '../../source/lab/vm/vm.js';
import { LabHandle, startLab, stopLab } from './lab-fixture.js';

const id = 'nbv';
const vmAddress = (tap: string) => `fe80::47%${tap}`;
const knownHosts = '/root/.ssh/vm_known_hosts';
const multicastDnsModule = createRequire(import.meta.url).resolve('multicast-dns');

/** ssh from the laptop to the VM with the lab key; the host key is pinned after the first login. */
async function vmSsh(lab: LabHandle, script: string, input?: string) {
  const tap = lab.state.vm!.tap;
  const pinned = ['-o', 'StrictHostKeyChecking=yes'];
  const first = ['-o', 'StrictHostKeyChecking=accept-new'];
  const learned = await lab.laptop(['test', '-s', knownHosts]);
  const result = await lab.laptop(
    [
      'ssh',
      '-o',
      'BatchMode=yes',
      ...(learned.exitCode === 0 ? pinned : first),
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'LogLevel=ERROR',
      '-o',
      'ConnectTimeout=10',
      `root@${vmAddress(tap)}`,
      `set -euo pipefail; ${script}`,
    ],
    { input },
  );
  return result;
}

async function vmOk(lab: LabHandle, script: string, input?: string): Promise<string> {
  const result = await vmSsh(lab, script, input);
  assert.equal(result.exitCode, 0, `VM: ${script}\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** One mDNS query from the laptop on the VM's tap (multicast-dns, as the wizard does it). */
async function mdnsLookup(lab: LabHandle, hostname: string): Promise<{ aaaa: string[]; ptr: string[] }> {
  const tap = lab.state.vm!.tap;
  const script = `
    const mdns = require(${JSON.stringify(multicastDnsModule)})({ type: 'udp6', ip: 'ff02::fb', interface: '::%${tap}', bind: '::', reuseAddr: true });
    const name = '${hostname}.local';
    const found = { aaaa: [], ptr: [] };
    let timer;
    const done = () => { clearInterval(timer); console.log(JSON.stringify(found)); mdns.destroy(); process.exit(0); };
    mdns.on('response', (res) => {
      for (const a of [...res.answers, ...(res.additionals || [])]) {
        if (a.type === 'AAAA' && a.name.toLowerCase() === name && !found.aaaa.includes(a.data)) found.aaaa.push(a.data);
        if (a.type === 'PTR' && a.name === '_ssh._tcp.local' && !found.ptr.includes(a.data)) found.ptr.push(a.data);
      }
      if (found.aaaa.length >= 2 && found.ptr.length) done();
    });
    // Responders ignore a repeat within 1 s: re-ask every second, like RFC 6762 clients.
    const ask = () => mdns.query({ questions: [{ name, type: 'AAAA' }, { name: '_ssh._tcp.local', type: 'PTR' }] });
    mdns.on('ready', () => { ask(); timer = setInterval(ask, 1000); });
    setTimeout(done, 8000);
  `;
  const result = await lab.laptop([process.execPath, '-e', script]);
  assert.equal(result.exitCode, 0, result.stderr);
  return JSON.parse(result.stdout) as { aaaa: string[]; ptr: string[] };
}

/** Every process on this machine whose argv mentions `text` (a lab's own paths). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

async function assertVmGone(state: LabState): Promise<void> {
  const vm = state.vm!;
  assert.deepEqual(processesMentioning(vm.consoleLog), [], 'a qemu of this lab is still running');
  const taps = await execa('ip', ['-n', state.laptop.netns, 'link', 'show', vm.tap], { reject: false });
  assert.notEqual(taps.exitCode, 0, `tap ${vm.tap} left behind`);
  for (const disk of vm.disks) assert.ok(!existsSync(disk.image), `disk image left behind: ${disk.image}`);
}

interface BootReport {
  bootMs: number;
  baseBuilt: boolean;
  prepareMs: number;
}

/** Brings a lab with only the VM installer up, runs `body`, tears it down and checks nothing is left. */
async function withVmLab(t: TestContext, spec: LabSpec['vm'], body: (lab: LabHandle) => Promise<void>): Promise<BootReport> {
  let lab: LabHandle | undefined;
  try {
    lab = await startLab({ id, installers: [], vm: spec });
    const vm = lab.state.vm;
    assert.ok(vm, 'labUp returned no VM');
    t.diagnostic(`boot-to-SSH ${vm.bootMs} ms (${vm.efi ? 'EFI' : 'BIOS'}), prepare ${vm.prepareMs} ms, base built: ${vm.baseBuilt}`);
    await body(lab);
    return { bootMs: vm.bootMs, baseBuilt: vm.baseBuilt === true, prepareMs: vm.prepareMs ?? -1 };
  } finally {
    await stopLab(lab, id);
    if (lab?.state.vm) await assertVmGone(lab.state);
  }
}

async function discoveryAndDisks(lab: LabHandle): Promise<void> {
  const vm = lab.state.vm!;
  const ping = await lab.laptop(['ping', '-6', '-c', '1', '-W', '2', vmAddress(vm.tap)]);
  assert.equal(ping.exitCode, 0, `ping ${vmAddress(vm.tap)}: ${ping.stdout}${ping.stderr}`);

  const mdns = await mdnsLookup(lab, vm.hostname);
  assert.ok(mdns.aaaa.includes('fe80::47'), `mDNS AAAA for ${vm.hostname}.local: ${mdns.aaaa}`);
  assert.ok(mdns.aaaa.includes('fe80::5054:ff:fe00:47'), `mDNS has no EUI-64 address: ${mdns.aaaa}`);
  assert.ok(mdns.ptr.includes(`${vm.hostname}._ssh._tcp.local`), `no _ssh._tcp service: ${mdns.ptr}`);

  const identity = await vmOk(
    lab,
    'grep -E "^(ID|VARIANT_ID)=" /etc/os-release; hostname; echo "$PATH"; command -v nixos-install disko; test -d /run/lab && echo run-lab',
  );
  assert.equal(
    identity,
    `ID=nixos\nVARIANT_ID=installer\n${vm.hostname}\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n` +
      '/usr/local/sbin/nixos-install\n/usr/local/sbin/disko\nrun-lab\n',
  );
  const fingerprint = await lab.laptop(['ssh-keygen', '-l', '-E', 'sha256', '-f', knownHosts]);
  assert.match(fingerprint.stdout, new RegExp(vm.hostKeyFingerprint.replace(/[+/]/g, '\\$&')), 'the VM does not present the lab host key');

  // SFTP (sftp-server), as a NixOS installer has it (scp and sftp users reach for it).
  const sftp = await lab.laptop(
    ['sftp', '-b', '-', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, `root@[${vmAddress(vm.tap)}]`],
    { input: 'put /etc/os-release /tmp/sftp-probe\n' },
  );
  assert.equal(sftp.exitCode, 0, sftp.stderr);
  assert.match(await vmOk(lab, 'cat /tmp/sftp-probe'), /^ID=debian$/m, "the laptop's file did not arrive over SFTP");

  const lsblk = JSON.parse(await vmOk(lab, 'lsblk -J -b -o NAME,TYPE,RM,SERIAL,MODEL,TRAN,SIZE')) as {
    blockdevices: Array<{ name: string; type: string; rm: boolean; serial: string | null; model: string | null; tran: string | null; size: number }>;
  };
  const internal = vm.disks.find((d) => d.role === 'internal')!;
  const medium = vm.disks.find((d) => d.role === 'boot-medium')!;
  const vda = lsblk.blockdevices.find((d) => d.name === 'vda');
  assert.deepEqual(vda && { type: vda.type, rm: vda.rm, serial: vda.serial, size: vda.size }, {
    type: 'disk',
    rm: false,
    serial: internal.serial,
    size: internal.sizeBytes,
  });
  const sda = lsblk.blockdevices.find((d) => d.name === 'sda');
  assert.deepEqual(sda && { type: sda.type, rm: sda.rm, serial: sda.serial, tran: sda.tran, size: sda.size }, {
    type: 'disk',
    rm: true,
    serial: medium.serial,
    tran: 'usb',
    size: medium.sizeBytes,
  });
  const iso = await vmOk(lab, 'findmnt -n -o SOURCE,FSTYPE,LABEL /iso; findmnt -n -o OPTIONS /iso | tr , "\\n" | grep -x ro');
  assert.equal(iso.replace(/ +/g, ' '), '/dev/sda iso9660 nixos-minimal-24.11-x86_64\nro\n');
}

const passphrase = 'correct horse battery staple';

async function partitionEncryptFormatMountInstall(lab: LabHandle): Promise<void> {
  await vmOk(
    lab,
    'sgdisk -Z /dev/vda >/dev/null; sgdisk -n1:1M:+256M -t1:EF00 -c1:ESP -n2:0:+256M -t2:8200 -c2:swap -n3:0:0 -t3:8309 -c3:cryptroot /dev/vda >/dev/null; udevadm settle',
  );
  const parts = await vmOk(lab, 'lsblk -n -o NAME,PARTLABEL /dev/vda | tail -n +2; readlink -f /dev/disk/by-partlabel/cryptroot');
  assert.match(parts, /vda1\s+ESP\n.*vda2\s+swap\n.*vda3\s+cryptroot\n\/dev\/vda3\n/);

  // The passphrase travels on stdin only.
  await vmOk(
    lab,
    'cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file - /dev/disk/by-partlabel/cryptroot',
    passphrase,
  );
  const wrong = await vmSsh(lab, 'cryptsetup open --test-passphrase --key-file - /dev/vda3', 'not the passphrase');
  assert.notEqual(wrong.exitCode, 0, 'a wrong passphrase opened the LUKS volume');
  await vmOk(lab, 'cryptsetup open --key-file - /dev/disk/by-partlabel/cryptroot cryptroot', passphrase);
  const table = await vmOk(lab, 'dmsetup table cryptroot; cryptsetup status cryptroot | grep -E "^\\s+type:"');
  assert.match(table, / crypt aes-xts-plain64 /, `not a dm-crypt mapping: ${table}`);
  assert.match(table, /type:\s+LUKS2/);

  await vmOk(
    lab,
    [
      'mkfs.ext4 -q -F -L nixos /dev/mapper/cryptroot',
      'mkfs.vfat -F 32 -n BOOT /dev/disk/by-partlabel/ESP >/dev/null',
      'mkswap -L swap /dev/disk/by-partlabel/swap >/dev/null',
      'udevadm settle',
      'swapon /dev/disk/by-label/swap',
      'mount /dev/disk/by-label/nixos /mnt',
      'mkdir -p /mnt/boot',
      'mount -o umask=0077 /dev/disk/by-label/BOOT /mnt/boot',
    ].join(' && '),
  );
  const mounts = await vmOk(lab, 'findmnt -n -l -R -o TARGET,SOURCE,FSTYPE /mnt; swapon --show=NAME,TYPE --noheadings');
  assert.equal(mounts.replace(/[ \t]+/g, ' '), '/mnt /dev/mapper/cryptroot ext4\n/mnt/boot /dev/vda1 vfat\n/dev/vda2 partition\n');

  const install = await vmOk(
    lab,
    'echo 2 > /run/lab/nixos-install.lines; nixos-install --root /mnt --flake path:/etc/lab-config#bootstrap --no-root-passwd 2>&1 | tail -1; tr "\\0" " " < /run/lab/calls/nixos-install.0/cmdline; echo; ls /mnt/etc/NIXOS /mnt/boot/loader/entries',
  );
  assert.match(install, /^installation finished!\n/);
  assert.match(install, /nixos-install --root \/mnt --flake path:\/etc\/lab-config#bootstrap --no-root-passwd/);
  assert.match(install, /\/mnt\/etc\/NIXOS\n.*nixos-lab\.conf/s);

  await vmOk(lab, 'umount /mnt/boot /mnt && swapoff /dev/disk/by-label/swap && cryptsetup close cryptroot');
  assert.match(await vmOk(lab, 'dmsetup ls 2>&1; swapon --noheadings | wc -l'), /^No devices found\n0\n$/);
}

const reports: BootReport[] = [];

test('VM installer, boot 1: found by mDNS and fe80::47; real disks; GPT + LUKS2 + ext4/vfat/swap + install; nothing left', async (t) => {
  reports.push(
    await withVmLab(t, {}, async (lab) => {
      await discoveryAndDisks(lab);
      await partitionEncryptFormatMountInstall(lab);
    }),
  );
});

test('VM installer, boot 2: boots from the cached kernel + base initramfs and does it all again', async (t) => {
  const second = await withVmLab(t, {}, async (lab) => {
    await discoveryAndDisks(lab);
    await partitionEncryptFormatMountInstall(lab);
  });
  reports.push(second);
  assert.equal(second.baseBuilt, false, 'the second boot rebuilt the base initramfs');
  t.diagnostic(
    `boot 1: ${reports[0]?.bootMs} ms to SSH (base built: ${reports[0]?.baseBuilt}, prepare ${reports[0]?.prepareMs} ms); ` +
      `boot 2: ${second.bootMs} ms to SSH (prepare ${second.prepareMs} ms)`,
  );
});

test('VM installer with EFI: OVMF, /sys/firmware/efi, efivarfs, and efibootmgr writes a boot entry', async (t) => {
  await withVmLab(t, { efi: true }, async (lab) => {
    const efi = await vmOk(lab, 'cat /sys/firmware/efi/fw_platform_size; findmnt -n -o FSTYPE /sys/firmware/efi/efivars');
    assert.equal(efi, '64\nefivarfs\n');
    await vmOk(lab, 'sgdisk -Z /dev/vda >/dev/null; sgdisk -n1:1M:+64M -t1:EF00 -c1:ESP /dev/vda >/dev/null; udevadm settle');
    const entries = await vmOk(lab, 'efibootmgr -c -d /dev/vda -p 1 -L "NixOS (lab)" -l "\\\\EFI\\\\BOOT\\\\BOOTX64.EFI" >/dev/null; efibootmgr');
    assert.match(entries, /^Boot\d{4}\* NixOS \(lab\)/m);
  });
});

test('a VM that does not answer SSH in time fails clearly, shows its console, and leaves nothing behind', async () => {
  let lab: LabHandle | undefined;
  try {
    lab = await startLab({ id, installers: [] });
    const dir = `${lab.state.stateDir}/vm-timeout`;
    const hostKeyFile = `${dir}/host_key`;
    await execa('mkdir', ['-p', dir]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile]);
    const options = {
      labId: id,
      stateDir: dir,
      imageDir: `${lab.state.imageDir}/vm-timeout`,
      laptopAnchorPid: lab.state.laptop.anchorPid,
      laptopNetns: lab.state.laptop.netns,
      tap: 'vm9',
      hostKeyFile,
      authorizedKeys: '',
      hostname: 'bootstrap',
      efi: false,
      diskSizeBytes: 1024 ** 3,
      bootTimeoutMs: 1500,
    };
    const started = Date.now();
    await assert.rejects(startVm(options), (error: Error) => {
      assert.match(error.message, /did not answer SSH on \[fe80::47%vm9\]:22 within 2 s/);
      assert.match(error.message, /--- serial console \(.*vm-console\.log\) ---/);
      return true;
    });
    assert.ok(Date.now() - started < 30_000, 'the timeout was not honoured');
    const consoleLog = `${dir}/vm-console.log`;
    assert.ok(existsSync(consoleLog), 'the console log must be kept for diagnosis');
    assert.deepEqual(processesMentioning(consoleLog), [], 'qemu still running after a failed start');
    const tap = await execa('ip', ['-n', lab.state.laptop.netns, 'link', 'show', 'vm9'], { reject: false });
    assert.notEqual(tap.exitCode, 0, 'tap left behind after a failed start');
    assert.ok(
      !existsSync(`${options.imageDir}/vm-internal.img`) && !existsSync(`${options.imageDir}/vm-boot-medium.img`),
      'disk images left behind after a failed start',
    );
  } finally {
    await stopLab(lab, id);
  }
});
