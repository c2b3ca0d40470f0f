// `nixos-bootstrap installer`: writes (and, with Nix here, builds) an installer image that
// discover finds and trusts at first contact.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ExitCode, refusal, usageError } from '../core/exit-codes.js';
import { addHostKeyToIso, sha256File } from '../core/installer/finish-iso.js';
import { defaultInstallerDir, defaultNixpkgs } from '../core/installer/installer-flake.js';
import { makeInstaller, readManifest } from '../core/installer/make-installer.js';
import { embeddedFlakeDir, embeddedFlakeOnInstaller } from '../core/installer/embed-flake.js';
import { hostNamePattern } from '../core/defaults.js';
import { authorizedKeysFor } from '../core/ssh/public-keys.js';
import {
  describeContents,
  describeDevice,
  describeStick,
  progressLine,
  sameStick,
  stickRefusal,
  systemTables,
  writeStick,
  type StickDevice,
} from '../core/installer/write-stick.js';
import { LineCollector } from '../core/logs/lines.js';
import { printableLines } from '../core/logs/printable.js';
import { defaultKnownHostsFile } from '../core/ssh/known-hosts.js';
import { tildePath } from '../core/paths.js';
import { fingerprint } from '../core/ssh/fingerprint.js';
import { forgetImage, imageRegistryFile, readImages } from '../core/installer/image-registry.js';
import { parseFlags } from '../flags/parse-flags.js';

export const installerHelp = `Usage: nixos-bootstrap installer [options]

Writes a flake that builds a NixOS installer ISO which nixos-bootstrap finds and trusts at first
contact: it announces NAME.local over mDNS, holds fe80::47 on every link, lets your SSH keys in
as root, and starts sshd with a host key made now, which this laptop records as the image's.
With Nix on this machine the ISO is built too; without, the commands to build it are printed.

Options
  --dir DIR            where the flake goes (default ./${defaultInstallerDir}); never overwritten
                       without --replace
  --name NAME          the installer's mDNS host name (default bootstrap)
  --ssh-key FILE       a public key allowed in as root (repeatable; default: ssh-agent's keys and
                       ~/.ssh/*.pub)
  --password-login     also accept a root password set with passwd on the installer's console
  --nixpkgs URL        nixpkgs to build from (default ${defaultNixpkgs})
  --embed-flake PATH   copy your flake (as Nix sees it: tracked files in a git work tree) into the
                       image, at /etc/nixos/flake; anyone holding the stick can read it, so a
                       private key (PEM, OpenSSH, PGP, age, WireGuard), a git-crypt file or a
                       nested .git in it is refused: a best-effort check, not a guarantee
  --prebuilt HOST      with --embed-flake: build HOST's system into the image's store, with every
                       input of the flake, so installing HOST copies from the stick instead of
                       downloading (repeatable; needs the flake's flake.lock)
  --replace            write a new image over DIR, with a new host key (and no old flake.lock)
  --no-build           only write the directory
  --iso FILE           an ISO built from DIR (cd DIR && nix build .#iso): add the image's host key to it
                       and write its checksums
  --write DEVICE       write DIR's finished ISO to a USB stick: only a removable or USB disk that
                       nothing has mounted; erased after you type its name (or --yes), then read
                       back and compared with the ISO's SHA-256
  --yes                confirm --write without typing (only for a USB stick)
  --allow-loop-device  let --write take a loop device (the lab's tests)
  --forget NAME        trust the image NAME no more (a stick lent or lost): its key leaves this
                       laptop's known_hosts and image list
  -h, --help           show this help

The host key's private half is kept in ~/.local/state/nixos-bootstrap/installers/ (0600), not in
DIR: the build would copy it into the world-readable Nix store. It is added to the ISO after the
build; anyone holding the ISO or the stick can read it, as with any installer image's key.
`;

const spec = {
  dir: { type: 'string' },
  name: { type: 'string' },
  'ssh-key': { type: 'string', multiple: true },
  'password-login': { type: 'boolean' },
  nixpkgs: { type: 'string' },
  'embed-flake': { type: 'string' },
  prebuilt: { type: 'string', multiple: true },
  replace: { type: 'boolean' },
  'no-build': { type: 'boolean' },
  iso: { type: 'string' },
  write: { type: 'string' },
  yes: { type: 'boolean' },
  'allow-loop-device': { type: 'boolean' },
  forget: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** An mDNS label: what avahi announces as NAME.local and the tool looks up. */
const installerNamePattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Nix can build here: the command and a store (a fresh machine with only the binary has neither). */
const nixCanBuild = (env: NodeJS.ProcessEnv) =>
  (env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'nix'))) && (existsSync('/nix/store') || env.NIX_REMOTE !== undefined);

type Output = Pick<NodeJS.WritableStream, 'write'>;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Output = process.stdout): Promise<number> {
  const { values, positionals } = parseFlags(argv, spec, installerHelp);
  if (values.help) {
    process.stdout.write(installerHelp);
    return ExitCode.ok;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`, 'the directory is given with --dir DIR');
  const dir = resolve(values.dir ?? defaultInstallerDir);
  const shown = relative(process.cwd(), dir).startsWith('..') ? dir : `./${relative(process.cwd(), dir)}`.replace(/\/$/, '');
  // Each action takes only its own flags: a flag that would be ignored is refused instead.
  const actions = (['iso', 'write', 'forget'] as const).filter((flag) => values[flag] !== undefined);
  if (actions.length > 1) throw usageError(`give one of --${actions.join(', --')} at a time`, 'finish the ISO first, then write it');
  const making = (['name', 'ssh-key', 'password-login', 'nixpkgs', 'embed-flake', 'prebuilt', 'replace', 'no-build'] as const).filter(
    (flag) => values[flag] !== undefined,
  );
  if (actions.length > 0 && making.length > 0) throw usageError(`--${making[0]} makes a new image; it does nothing with --${actions[0]}`);
  const forWrite = (['yes', 'allow-loop-device'] as const).filter((flag) => values[flag] !== undefined);
  if (forWrite.length > 0 && values.write === undefined) throw usageError(`--${forWrite[0]} goes with --write DEVICE`);
  if (values.forget !== undefined) return forget(values.forget, env, out);
  if (values.iso !== undefined) return finishIso(dir, values.iso, out);
  if (values.write !== undefined) return writeToStick(dir, values.write, { yes: values.yes === true, allowLoop: values['allow-loop-device'] === true }, out);

  const name = values.name ?? 'bootstrap';
  if (!installerNamePattern.test(name)) throw usageError(`--name '${name}' is not an mDNS host name`, 'use lower-case letters, digits and -, e.g. bootstrap');
  const prebuilt = values.prebuilt ?? [];
  if (prebuilt.length > 0 && values['embed-flake'] === undefined)
    throw usageError('--prebuilt HOST builds a host of the embedded flake', 'give --embed-flake PATH too');
  const badHost = prebuilt.find((host) => !hostNamePattern.test(host));
  if (badHost !== undefined) throw usageError(`--prebuilt '${badHost}' is not a nixosConfigurations name`, 'e.g. --prebuilt web');
  const made = await makeInstaller({
    dir,
    name,
    nixpkgs: values.nixpkgs ?? defaultNixpkgs,
    authorizedKeys: await authorizedKeysFor(values['ssh-key'] ?? [], env),
    passwordLogin: values['password-login'] === true,
    replace: values.replace === true,
    knownHostsFile: defaultKnownHostsFile(env),
    ...(values['embed-flake'] !== undefined ? { embedFlake: { source: values['embed-flake'], prebuilt: [...new Set(prebuilt)] } } : {}),
  });
  const { settings } = made;
  const embedded = settings.embeddedFlake;
  const home = (path: string) => tildePath(path, env.HOME);
  out.write(
    [
      `Wrote the installer flake to ${shown}/`,
      `  name        ${name}.local, and fe80::47 on every link`,
      `  root login  ${settings.authorizedKeys.length} SSH key(s)${settings.passwordLogin ? ', or a password set on its console' : ''}:`,
      ...settings.authorizedKeys.map((line) => `              ${describeKeyLine(line)}`),
      `  host key    ${settings.hostKey.fingerprint}`,
      `              pairing code ${settings.pairingCode}; trusted by this laptop from the first`,
      `              contact (${home(defaultKnownHostsFile(env))})`,
      ...(embedded
        ? [
            `  your flake  ${home(embedded.source)} at ${embeddedFlakeOnInstaller} (copied to ${shown}/${embeddedFlakeDir}/)`,
            ...(embedded.prebuilt.length ? [`              built in: ${embedded.prebuilt.join(', ')}, with the flake's inputs`] : []),
          ]
        : []),
      `  private key ${home(dirname(made.hostKeyFile))}/`,
      '              (0600), outside the flake: it is added to the ISO after the build',
      '',
    ].join('\n'),
  );
  // Run from the flake: nix takes a bare relative name for a registry entry, not a directory.
  const build = `cd ${shown} && nix build .#iso`;
  const finish = 'nixos-bootstrap installer --dir . --iso result/iso/*.iso';
  if (values['no-build'] || !nixCanBuild(env)) {
    out.write(
      `${values['no-build'] ? 'Not built (--no-build).' : 'Nix is not set up on this machine, so the ISO is not built here.'} With Nix:\n  ${build}\n  ${finish}\n`,
    );
    return ExitCode.ok;
  }
  out.write(`Building the ISO: ${build}\n`);
  const code = await streamed('nix', ['--extra-experimental-features', 'nix-command flakes', 'build', `${dir}#iso`, '--out-link', join(dir, 'result'), '-L']);
  if (code !== 0) {
    process.stderr.write(`nix build failed (exit ${code}); the flake is in ${shown}/. Fix the cause above, then:\n  ${build}\n  ${finish}\n`);
    return ExitCode.phaseFailed;
  }
  const isoDir = join(dir, 'result', 'iso');
  const built = readdirSync(isoDir).find((file) => file.endsWith('.iso'));
  if (!built) throw usageError(`nix build made no .iso in ${isoDir}`);
  return finishIso(dir, join(isoDir, built), out);
}

/** `ssh-ed25519 SHA256:… me@laptop`: which key, without its whole blob. */
function describeKeyLine(line: string): string {
  const [type = '', blob = '', ...comment] = line.split(' ');
  return [type, fingerprint(Buffer.from(blob, 'base64')), ...comment].join(' ');
}

async function forget(name: string, env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const knownHosts = defaultKnownHostsFile(env);
  const image = (await readImages(imageRegistryFile(knownHosts))).find((candidate) => candidate.name === name);
  if (!image) throw usageError(`no installer image named ${name} is trusted here`, `the images made here are listed in ${imageRegistryFile(knownHosts)}`);
  await forgetImage(image.fingerprint, knownHosts);
  out.write(`The image ${name} (${image.fingerprint}) is trusted no more: an installer showing its key is a stranger again.\n`);
  return ExitCode.ok;
}

/** The finished ISO holds the private key: beside it in the state directory, never in the flake. */
const finishedIso = (manifest: { name: string; hostKeyFile: string }) => join(dirname(manifest.hostKeyFile), `nixos-bootstrap-${manifest.name}.iso`);

async function finishIso(dir: string, iso: string, out: Output): Promise<number> {
  const manifest = await readManifest(dir);
  if (!existsSync(iso)) throw usageError(`--iso ${iso} does not exist`, `build it first: cd ${dir} && nix build .#iso`);
  const finished = finishedIso(manifest);
  const sum = await addHostKeyToIso(iso, manifest.hostKeyFile, finished);
  out.write(
    `Added the host key ${manifest.hostKey.fingerprint} to the ISO:\n  ${finished}\n  sha256 ${sum} (also in ${finished}.sha256 and SHA256SUMS)\nWrite it to a USB stick, boot the machine from it, then run nixos-bootstrap.\n`,
  );
  return ExitCode.ok;
}

/** Runs a command with its output shown line by line, each line with the time since the start. */
function streamed(command: string, args: string[]): Promise<number> {
  const started = Date.now();
  const stamp = () => `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] `;
  return new Promise((resolveCode) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = new LineCollector((batch) => process.stderr.write(batch.map((line) => `${stamp()}${printableLines(line)}\n`).join('')), 0);
    child.stdout.on('data', (chunk: Buffer) => lines.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => lines.push(chunk));
    child.on('error', () => resolveCode(127));
    child.on('close', (code) => {
      lines.end();
      resolveCode(code ?? 1);
    });
  });
}

async function writeToStick(dir: string, device: string, options: { yes: boolean; allowLoop: boolean }, out: Output): Promise<number> {
  const manifest = await readManifest(dir);
  const iso = finishedIso(manifest);
  const sum = existsSync(`${iso}.sha256`) ? readFileSync(`${iso}.sha256`, 'utf8').split(' ')[0]! : undefined;
  if (!existsSync(iso) || !sum)
    throw usageError(`${iso} is not there yet`, `build it and add its host key first: nixos-bootstrap installer --dir ${dir} --iso …`);
  const tables = await systemTables();
  const stick = await describeStick(device);
  const why = stickRefusal(stick, statSync(iso).size, { ...options, systemTables: tables });
  if (why) throw refusal(`refusing to write ${describeDevice(stick)}: ${why}`);
  // A stale or damaged ISO would otherwise pass as a failing stick at the read-back.
  if ((await sha256File(iso)) !== sum)
    throw refusal(`${iso} does not match its ${iso}.sha256`, `make it again: nixos-bootstrap installer --dir ${dir} --iso …`);
  if (!options.yes) {
    await confirmByName(stick);
    if (!sameStick(stick, await describeStick(device))) throw refusal(`${device} changed while you were typing: nothing was written`, 'run it again');
  }
  const tty = process.stderr.isTTY === true;
  let shown = 0;
  await writeStick(iso, stick.path, sum, (progress) => {
    // A line a second: redrawn in place on a terminal, appended in a log.
    if (progress.written < progress.total && progress.elapsedMs - shown < 1000) return;
    shown = progress.elapsedMs;
    process.stderr.write(`${tty ? '\r\x1b[K' : ''}writing ${progressLine(progress)}${tty ? '' : '\n'}`);
  });
  if (tty) process.stderr.write('\n');
  out.write(`Wrote and verified ${describeDevice(stick)}: sha256 ${sum}.\nBoot the new machine from it, then run nixos-bootstrap on this laptop.\n`);
  return ExitCode.ok;
}

/** The typed confirmation: what is on the device, then its own name; without a terminal, --yes is the only way. */
async function confirmByName(stick: StickDevice): Promise<void> {
  if (!process.stdin.isTTY)
    throw refusal(`refusing to erase ${describeDevice(stick)} without confirmation`, 'run it on a terminal to type its name, or add --yes');
  process.stderr.write(
    [`Everything on ${describeDevice(stick)} will be erased:`, ...describeContents(stick), `Type ${stick.name} to write the installer to it: `].join('\n'),
  );
  const typed = await new Promise<string | undefined>((resolveLine) => {
    const done = (line: string | undefined) => {
      process.stdin.off('data', onData).off('end', onEnd);
      process.stdin.pause();
      resolveLine(line);
    };
    const onData = (chunk: string) => done(chunk.trim());
    const onEnd = () => done(undefined);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData).on('end', onEnd);
  });
  if (typed === undefined) throw refusal('no answer (end of input): nothing was written');
  if (typed !== stick.name) throw refusal(`you typed '${typed}', not ${stick.name}: nothing was written`);
}
