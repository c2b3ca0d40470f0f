// npm run demo: everything needed to see nixos-bootstrap work, on a fresh Debian/Ubuntu machine:
// system packages, npm dependencies, build, a lab with a VM installer, then the wizard inside
// the lab's laptop namespace. The lab is removed when the wizard exits.
//   npm run demo              the wizard is yours to drive
//   npm run demo -- --auto    the same steps with the wizard driven through tmux to "Installed"
//                             (no person needed: CI runs it, so the README's command keeps working)
// Not root: it runs itself again with sudo when there is one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { asRoot, hasSudo } from './as-root.mjs';
import { readPackageList } from './lab-packages.mjs';
import { TmuxTerminal } from './tmux-driver.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = fileURLToPath(import.meta.url);
const auto = process.argv.includes('--auto');
const labId = 'demo';
const flake = '/root/demo-flake';
const host = 'demo';
const say = (text) => process.stdout.write(`demo: ${text}\n`);
const run = (cmd, args, options = {}) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0 && !options.allowFailure) {
    process.stderr.write(`demo: '${cmd} ${args.join(' ')}' failed\n`);
    process.exit(result.status ?? 1);
  }
  return result.status;
};

if (process.getuid?.() !== 0) {
  if (!hasSudo()) {
    process.stderr.write(
      `demo: the lab needs root (network namespaces, loop devices, qemu) and there is no sudo: run it as root:  ${asRoot('npm run demo')}\n`,
    );
    process.exit(2);
  }
  say('the lab needs root (network namespaces, loop devices, qemu): running again with sudo');
  // By path: sudo's secure_path may not hold this node.
  process.exit(run('sudo', [process.execPath, script, ...process.argv.slice(2)], { allowFailure: true }) ?? 1);
}

const started = Date.now();
const missing = readPackageList().filter(
  (p) => !spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed'),
);
if (missing.length) {
  say(`installing system packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
if (!existsSync(`${root}/node_modules/.package-lock.json`)) run('npm', ['ci']);
run('npm', ['run', 'build']);
// Run again through sudo: what npm made in the user's clone stays the user's.
const { SUDO_UID, SUDO_GID } = process.env;
if (SUDO_UID && SUDO_GID) run('chown', ['-R', `${SUDO_UID}:${SUDO_GID}`, 'node_modules', 'dist']);

const cli = `${root}dist/cli.js`;
run(process.execPath, [cli, 'lab', 'down', '--id', labId]);
say('starting the lab: a VM installer (the first start fetches a Debian kernel and builds its image, about a minute)…');
run(process.execPath, [cli, 'lab', 'up', '--id', labId, '--vm']);
let status = 0;
try {
  // A tiny local flake, so the wizard has a configuration to upload (the lab's nixos-install is a stand-in).
  run(process.execPath, [
    cli,
    'lab',
    'shell',
    '--id',
    labId,
    '--',
    'bash',
    '-c',
    `mkdir -p ${flake} && printf '{ outputs = _: { }; }\\n' > ${flake}/flake.nix`,
  ]);
  const wizard = ['env', '-C', '/root', process.execPath, cli, '--flake', `${flake}#${host}`, '--luks-iter-time', '500'];
  if (auto) {
    status = await driveWizard(wizard);
  } else {
    say('the wizard now runs on the lab laptop. The VM is the installer; its disk is /dev/vda.\n');
    run(process.execPath, [cli, 'lab', 'shell', '--id', labId, '--', ...wizard], { allowFailure: true });
  }
} finally {
  run(process.execPath, [cli, 'lab', 'down', '--id', labId], { allowFailure: true });
}
say(`${status === 0 ? 'done' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(status);

/** The README's journey, keys sent one at a time; each step waits for its screen. */
async function driveWizard(wizard) {
  const terminal = new TmuxTerminal('nb-demo', 'wizard');
  const passphrase = `demo-${Math.random().toString(36).slice(2)}`;
  const env = ['env', '-u', 'CI', '-u', 'NO_COLOR', 'TERM=xterm-256color', 'LANG=C.UTF-8'];
  terminal.start([
    process.execPath,
    cli,
    'lab',
    'shell',
    '--id',
    labId,
    '--',
    ...env,
    'bash',
    '-c',
    `${wizard.map((w) => `'${w}'`).join(' ')}; echo "[wizard exit $?]"; sleep 600`,
  ]);
  const step = async (what, screen, keys, timeoutMs) => {
    say(`auto: ${what}`);
    await terminal.waitFor(screen, what, timeoutMs);
    for (const key of keys) await (key.secret ? terminal.paste(passphrase) : terminal.press(key));
  };
  const secret = { secret: true };
  try {
    await step('the VM is discovered', /❯ bootstrap\.local/, ['Enter']);
    await step('its host key is shown before any login', /Is this the installer you mean\?/, ['y']);
    await step('the virtio disk is recommended', /★ recommended/, ['Enter']);
    await step('LUKS on, a passphrase twice', /Partition layout and encryption/, ['Down', 'Right', 'Down', secret, 'Enter', secret]);
    await step('the passphrases match', /✔ same/, ['Enter', 'Enter', 'Enter', 'Enter']);
    await step('the installer describes its hardware into the flake', /Hardware configuration for /, ['Enter', 'Enter', 'Enter']);
    await step('the generated file is shown', /Enter writes hosts\/[^/]+\/hardware-configuration\.nix/, ['Enter']);
    await step('a new age key', /The host's age key/, ['Enter', 'Enter', 'Enter']);
    await step('its public key', /age1[0-9a-z]{58}/, ['Enter']);
    await step('the review asks for the disk name', /Type vda to erase \/dev\/vda/, ['v', 'd', 'a', 'Enter']);
    await step('the install runs to the end', new RegExp(`Installed ${host} on /dev/vda`), ['Enter'], 240_000);
    const end = await terminal.waitFor(/\[wizard exit \d+\]/, 'the wizard to exit');
    const code = Number(/\[wizard exit (\d+)\]/.exec(end)[1]);
    const leaked = [...terminal.screensSeen, terminal.scrollback()].some((text) => text.includes(passphrase));
    if (leaked) throw new Error('the passphrase was on screen');
    say(`auto: the wizard installed ${host} and exited ${code}`);
    return code;
  } catch (error) {
    process.stderr.write(`demo: ${error.message}\n`);
    return 1;
  } finally {
    terminal.stop();
  }
}
