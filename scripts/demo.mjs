// sudo npm run demo: everything needed to see nixos-bootstrap work, on a fresh Debian/Ubuntu
// machine: system packages, npm dependencies, build, a lab with a VM installer, then the wizard
// inside the lab's laptop namespace. The lab is removed when the wizard exits.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const labId = 'demo';
const run = (cmd, args, options = {}) => {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0 && !options.allowFailure) {
    process.stderr.write(`demo: '${cmd} ${args.join(' ')}' failed\n`);
    process.exit(result.status ?? 1);
  }
  return result.status;
};

if (process.getuid?.() !== 0) {
  process.stderr.write('demo: the lab needs root (network namespaces, loop devices, qemu): run  sudo npm run demo\n');
  process.exit(2);
}

const packages = readFileSync(new URL('lab-packages.txt', import.meta.url), 'utf8').split(/\s+/).filter((p) => p && !p.startsWith('#'));
const missing = packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
if (missing.length) {
  process.stdout.write(`demo: installing system packages: ${missing.join(' ')}\n`);
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
if (!existsSync(`${root}/node_modules/.package-lock.json`)) run('npm', ['ci']);
run('npm', ['run', 'build']);

const cli = `${root}dist/cli.js`;
run(process.execPath, [cli, 'lab', 'down', '--id', labId]);
process.stdout.write('demo: starting the lab: a VM installer (the first start fetches a Debian kernel and builds its image)…\n');
run(process.execPath, [cli, 'lab', 'up', '--id', labId, '--vm']);
try {
  // A tiny local flake, so the wizard has a configuration to upload (the lab's nixos-install is a stand-in).
  run(process.execPath, [cli, 'lab', 'shell', '--id', labId, '--', 'bash', '-c',
    'mkdir -p /root/demo-flake && printf "{ outputs = _: { }; }\\n" > /root/demo-flake/flake.nix']);
  process.stdout.write('\ndemo: the wizard now runs on the lab laptop. The VM is the installer; its disk is /dev/vda.\n\n');
  run(process.execPath, [cli, 'lab', 'shell', '--id', labId, '--', 'env', '-C', '/root', process.execPath, cli,
    '--flake', '/root/demo-flake#demo', '--luks-iter-time', '500'], { allowFailure: true });
} finally {
  run(process.execPath, [cli, 'lab', 'down', '--id', labId], { allowFailure: true });
}
