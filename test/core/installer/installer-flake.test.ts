// The generated installer flake, read by the real Nix (Debian's nix-bin): every file parses, and
// the module, evaluated with stand-in lib/pkgs (nixpkgs cannot be fetched here), sets what the
// image promises. No test here claims the ISO builds.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flakeNix, installerNix, nixString, type InstallerSettings } from '../../../source/core/installer/installer-flake.js';

const work = mkdtempSync(join(tmpdir(), 'nb-installer-flake-'));
const hadNix = existsSync('/nix');
after(() => {
  rmSync(work, { recursive: true, force: true });
  assert.equal(existsSync('/nix'), hadNix, 'the evaluation created this machine’s /nix');
});

// A scratch store and HOME: this machine's /nix and caches are never touched.
const nixEnv = { PATH: process.env.PATH, HOME: work, XDG_CACHE_HOME: join(work, 'cache'), NIX_CONFIG: `build-users-group =\nstore = ${join(work, 'store')}` };

const settings = (over: Partial<InstallerSettings> = {}): InstallerSettings => ({
  name: 'bootstrap',
  nixpkgs: 'github:NixOS/nixpkgs/nixos-unstable',
  authorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne me@laptop', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyTwo ${builtins.abort "x"} "quoted"'],
  passwordLogin: false,
  hostKey: { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost', fingerprint: 'SHA256:Wq3D9fzKabcdefghijklmnopqrstuvwxyz0123456' },
  pairingCode: 'Wq3D 9fzK',
  created: '2026-12-02T17:00:00.000Z',
  ...over,
});

function parse(name: string, text: string) {
  const file = join(work, name);
  writeFileSync(file, text);
  return spawnSync('nix-instantiate', ['--parse', file], { encoding: 'utf8', env: nixEnv });
}

/** The module's attribute set as JSON, evaluated by Nix with lib/pkgs stand-ins (mkForce/mkAfter keep their value). */
function evaluate(text: string): Record<string, unknown> {
  const file = join(work, 'installer.nix');
  writeFileSync(file, text);
  const expr = `(import ${file} {
    lib = { mkForce = x: x; mkAfter = x: x; attrValues = builtins.attrValues; concatMap = f: l: builtins.concatLists (map f l); };
    pkgs = { avahi = "/pkgs/avahi"; iproute2 = "/pkgs/iproute2"; coreutils = "/pkgs/coreutils"; openssh = "/pkgs/openssh"; disko = "disko"; nixos-facter = "nixos-facter"; git = "git"; };
    modulesPath = "/nixpkgs/nixos/modules";
    embedded = {
      nixosConfigurations.web.config.system.build.toplevel = "/store/system-web";
      nixosConfigurations.db.config.system.build.toplevel = "/store/system-db";
      inputs.nixpkgs.outPath = "/store/nixpkgs-source";
      inputs.disko = { outPath = "/store/disko-source"; inputs.nixpkgs.outPath = "/store/nixpkgs-source"; inputs.lib = { outPath = "/store/lib-source"; }; };
    };
  })`;
  const result = spawnSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { encoding: 'utf8', env: nixEnv });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

test('flake.nix and installer.nix parse with nix-instantiate, however odd the key comments', () => {
  for (const [name, text] of [
    ['flake.nix', flakeNix(settings())],
    ['installer.nix', installerNix(settings())],
    ['password.nix', installerNix(settings({ passwordLogin: true, authorizedKeys: [] }))],
  ] as const) {
    const result = parse(name, text);
    assert.equal(result.status, 0, `${name}: ${result.stderr}`);
  }
  assert.match(flakeNix(settings()), /packages\.x86_64-linux\.iso = self\.nixosConfigurations\.installer\.config\.system\.build\.isoImage;/);
});

test('the module sets what the image promises: name, mDNS, fe80::47 with DAD, EUI-64, keys, host key before sshd, banner, tools', () => {
  const m = evaluate(installerNix(settings())) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON tree
  assert.deepEqual(m.imports, ['/nixpkgs/nixos/modules/installer/cd-dvd/installation-cd-minimal.nix']);
  assert.equal(m.networking.hostName, 'bootstrap');
  assert.deepEqual(m.services.avahi.publish, { enable: true, addresses: true, workstation: true, userServices: true });
  assert.equal(m.services.avahi.nssmdns4, true);
  assert.equal(m.services.avahi.openFirewall, true);
  assert.equal(m.services.avahi.extraServiceFiles.ssh, '/pkgs/avahi/etc/avahi/services/ssh.service');
  assert.equal(m.boot.kernel.sysctl['net.ipv6.conf.default.addr_gen_mode'], 0);
  assert.equal(m.networking.networkmanager.connectionConfig['ipv6.addr-gen-mode'], 'eui64');
  const linkLocal = m.systemd.services['nixos-bootstrap-link-local'].script as string;
  assert.match(linkLocal, /ip -6 addr add fe80::47\/64 dev "\$1"/);
  assert.doesNotMatch(linkLocal, /nodad/, 'duplicate address detection must stay on');
  assert.match(linkLocal, /ip -o monitor link/, 'links that come up later (or again) get it too');
  const hostKey = m.systemd.services['nixos-bootstrap-host-key'];
  assert.deepEqual([hostKey.before, hostKey.wantedBy], [['sshd.service'], ['sshd.service']]);
  assert.match(hostKey.script, /install -D -m 600 \/iso\/nixos-bootstrap\/ssh_host_ed25519_key \/etc\/ssh\/ssh_host_ed25519_key/);
  assert.equal(hostKey.unitConfig.ConditionPathExists, '/iso/nixos-bootstrap/ssh_host_ed25519_key');
  assert.deepEqual(m.services.openssh.hostKeys, [{ path: '/etc/ssh/ssh_host_ed25519_key', type: 'ed25519' }]);
  assert.equal(m.services.openssh.settings.PermitRootLogin, 'prohibit-password');
  assert.equal(m.services.openssh.settings.PasswordAuthentication, false);
  assert.deepEqual(m.systemd.services.sshd.wantedBy, ['multi-user.target']);
  assert.deepEqual(m.users.users.root.openssh.authorizedKeys.keys, settings().authorizedKeys, 'each key exactly as given, nothing evaluated');
  assert.match(m.services.getty.helpLine, /bootstrap: ssh root@bootstrap\.local/);
  assert.match(m.services.getty.helpLine, /Host key SHA256:Wq3D9fzK/);
  assert.match(m.services.getty.helpLine, /Pairing code Wq3D 9fzK/);
  assert.match(m.services.getty.helpLine, /Addresses: \\4 \\6/);
  assert.deepEqual(m.environment.systemPackages, ['disko', 'nixos-facter', 'git']);

  const withPassword = evaluate(installerNix(settings({ passwordLogin: true }))) as { services: { openssh: { settings: Record<string, unknown> } } };
  assert.deepEqual(withPassword.services.openssh.settings, { PermitRootLogin: 'yes', PasswordAuthentication: true });
});

test('nixString never lets a value become Nix code', () => {
  const tricky = 'a"b\\c${d}\n';
  const result = spawnSync('nix-instantiate', ['--eval', '--json', '--expr', nixString(tricky)], { encoding: 'utf8', env: nixEnv });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), tricky);
});

test('--embed-flake and --prebuilt: the flake at /etc/nixos/flake; the hosts’ systems and every input (inputs of inputs too) in the image’s store', () => {
  const embedded = settings({ embeddedFlake: { source: '/home/me/nixos-config', prebuilt: ['web', 'db'] } });
  for (const [name, text] of [
    ['flake.nix', flakeNix(embedded)],
    ['installer.nix', installerNix(embedded)],
    ['embed-only.nix', installerNix(settings({ embeddedFlake: { source: '/x', prebuilt: [] } }))],
  ] as const) {
    assert.equal(parse(name, text).status, 0, `${name}: ${parse(name, text).stderr}`);
  }
  mkdirSync(join(work, 'flake'), { recursive: true });
  writeFileSync(join(work, 'flake', 'flake.nix'), '{ outputs = _: { }; }\n');
  const m = evaluate(installerNix(embedded)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON tree
  assert.match(m.environment.etc['nixos/flake'].source as string, /^\/nix\/store\/[a-z0-9]{32}-flake$/);
  assert.deepEqual(m.isoImage.storeContents, [
    '/store/system-web',
    '/store/system-db',
    '/store/disko-source',
    '/store/lib-source',
    '/store/nixpkgs-source',
    '/store/nixpkgs-source',
  ]);
  assert.match(m.services.getty.helpLine as string, /Your flake: \/etc\/nixos\/flake/);
  // A flake path is shown in a comment: no character of it ends the comment (Nix ends one at \r too).
  const odd = evaluate(installerNix(settings({ embeddedFlake: { source: '/x\r  networking.domain = "injected";\n', prebuilt: [] } }))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON tree
  assert.equal(odd.networking.domain, undefined);
  const plain = evaluate(installerNix(settings({ embeddedFlake: { source: '/x', prebuilt: [] } }))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON tree
  assert.equal(plain.isoImage.storeContents, undefined, 'nothing prebuilt unless asked');
  assert.equal((evaluate(installerNix(settings())) as { environment: { etc?: unknown } }).environment.etc, undefined);
  // The flake hands the embedded copy (a path input) to the module.
  const file = join(work, 'flake.nix');
  writeFileSync(file, flakeNix(embedded));
  const flake = spawnSync(
    'nix-instantiate',
    [
      '--eval',
      '--strict',
      '--json',
      '--expr',
      `let f = import ${file}; o = f.outputs { self = o; nixpkgs.lib.nixosSystem = a: a // { config.system.build.isoImage = "iso"; }; embedded = "E"; }; in { url = f.inputs.embedded.url; e = o.nixosConfigurations.installer.specialArgs.embedded; }`,
    ],
    { encoding: 'utf8', env: nixEnv },
  );
  assert.equal(flake.status, 0, flake.stderr);
  assert.deepEqual(JSON.parse(flake.stdout), { url: 'path:./flake', e: 'E' });
});
