import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHost, hostPath, spawnInHost } from './lab-host.js';
import { avahiConfig, dbusSystemConfig } from './host-files.js';
import { makeHostKey } from './lab-keys.js';
import { labPaths, sharedBridge } from './lab-spec.js';
import type { LabState } from './lab-state.js';
import { inHost, run, waitFor } from './run-command.js';

/**
 * The laptop: where the wizard runs. Its own /run (D-Bus and avahi sockets for nss-mdns and
 * avahi-resolve), and /root bound to a lab home holding the lab's SSH key.
 */
export async function startLaptop(state: LabState, save: () => Promise<void>): Promise<void> {
  const dir = `${state.stateDir}/laptop`;
  const home = `${dir}/home`;
  await mkdir(`${home}/.ssh`, { recursive: true, mode: 0o700 });
  await makeHostKey(`${home}/.ssh/id_ed25519`, 'nb-lab-laptop');
  await writeFile(`${dir}/dbus-system.conf`, dbusSystemConfig);
  await writeFile(`${dir}/avahi-daemon.conf`, avahiConfig('laptop', [], true));
  const nsswitch = (await readFile('/etc/nsswitch.conf', 'utf8')).replace(/^hosts:.*$/m, 'hosts: files mdns_minimal [NOTFOUND=return] dns');
  await writeFile(`${dir}/nsswitch.conf`, nsswitch);

  state.laptop.netns = labPaths(state.id).laptopNetns;
  state.laptop.home = home;
  state.laptop.anchorPid = await createHost(state.laptop.netns, 'laptop');
  // A laptop's own addresses were settled long before an installer boots: skip its duplicate
  // address detection (interfaces created later inherit `default`).
  for (const scope of ['default', 'all']) {
    await run(['ip', 'netns', 'exec', state.laptop.netns, 'sysctl', '-qw', `net.ipv6.conf.${scope}.accept_dad=0`]);
  }
  state.laptop.pids.anchor = state.laptop.anchorPid;
  await save();

  await run(
    inHost(state.laptop.anchorPid, [
      'sh',
      '-euc',
      [
        'mount -t tmpfs -o mode=755 nb-run /run',
        'mkdir -p /run/dbus /run/avahi-daemon',
        `mount --bind ${home} /root`,
        `mount --bind ${dir}/nsswitch.conf /etc/nsswitch.conf`,
        // This machine's own Nix (if it has one) stays out of the lab: a boot check there is
        // skipped unless a test gives it a scratch store (NIX_CONFIG), whatever this machine has.
        'if [ -d /nix ]; then mount -t tmpfs -o mode=755,size=1m nb-nix /nix; fi',
      ].join('\n'),
    ]),
  );
  if (state.spec.sharedLink) {
    await run(['ip', '-n', state.laptop.netns, 'link', 'add', sharedBridge, 'type', 'bridge']);
    await run(['ip', '-n', state.laptop.netns, 'link', 'set', sharedBridge, 'up']);
    if (state.spec.installers?.some((i) => i.ipv4)) {
      await run(['ip', '-n', state.laptop.netns, 'addr', 'add', '10.47.0.1/24', 'dev', sharedBridge]);
    }
  }
}

/** Starts D-Bus and avahi on the laptop once all its interfaces exist (avahi watches them all). */
export async function startLaptopDaemons(state: LabState, save: () => Promise<void>): Promise<void> {
  const dir = `${state.stateDir}/laptop`;
  const pid = state.laptop.anchorPid;
  state.laptop.pids.dbus = spawnInHost(pid, ['dbus-daemon', `--config-file=${dir}/dbus-system.conf`, '--nofork', '--nopidfile'], `${dir}/dbus.log`);
  await save();
  await waitFor('the laptop D-Bus', () => existsSync(hostPath(pid, '/run/dbus/system_bus_socket')), 5000);
  state.laptop.pids.avahi = spawnInHost(
    pid,
    ['avahi-daemon', '-f', `${dir}/avahi-daemon.conf`, '--no-drop-root', '--no-chroot', '--no-rlimits'],
    `${dir}/avahi.log`,
  );
  await save();
  await waitFor('the laptop avahi', () => existsSync(hostPath(pid, '/run/avahi-daemon/socket')), 10_000);
}
