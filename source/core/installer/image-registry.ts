// The installer images this laptop made, by host key: an installer presenting one of these keys
// is verified at first contact, whatever address it is reached at (DHCP, EUI-64, fe80::47).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { installerLinkLocal } from '../defaults.js';
import { usageError } from '../exit-codes.js';
import { writeSecretFile } from '../keys/secret-file.js';
import { defaultKnownHostsFile, parseKnownHosts, readKnownHosts, recordHostKey } from '../ssh/known-hosts.js';

export interface InstallerImage {
  /** Its mDNS host name. */
  name: string;
  /** `SHA256:…` of its host key. */
  fingerprint: string;
  /** The host key's public line (`ssh-ed25519 AAAA… comment`). */
  publicKey: string;
  /** When it was made (ISO 8601). */
  created: string;
  /** The flake directory it was written to. */
  dir: string;
}

/** Beside the tool's known_hosts, which holds the same keys under the names the images announce. */
export const imageRegistryFile = (knownHostsFile = defaultKnownHostsFile()) => join(dirname(knownHostsFile), 'installer-images.json');

export async function readImages(file = imageRegistryFile()): Promise<InstallerImage[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '[]';
    throw usageError(`cannot read ${file} (${error.code ?? String(error)})`, 'fix its permissions: it lists the installer images this laptop made');
  });
  try {
    const images = JSON.parse(text) as unknown;
    return Array.isArray(images) ? images.filter((image): image is InstallerImage => typeof (image as InstallerImage)?.fingerprint === 'string') : [];
  } catch {
    throw usageError(`${file} is damaged`, 'move it aside; installers made earlier are then trusted on first use again');
  }
}

export const imageWithKey = (images: InstallerImage[], fingerprint: string | undefined) => images.find((image) => image.fingerprint === fingerprint);

/** The names an image answers to, in the tool's known_hosts: a different key under them is a stranger. */
export const imageHostNames = (name: string) => [`${name}.local`, name, `${installerLinkLocal}%*`];

/**
 * Trusts a new image's key: listed in the registry (replacing an earlier image of the same
 * name) and written to known_hosts under the names it announces.
 */
export async function registerImage(image: InstallerImage, knownHostsFile: string): Promise<void> {
  const file = imageRegistryFile(knownHostsFile);
  const images = (await readImages(file)).filter((other) => other.name !== image.name && other.fingerprint !== image.fingerprint);
  await writeSecretFile(file, `${JSON.stringify([...images, image], null, 2)}\n`, { overwrite: true, createDirectory: true });
  const [keyType = '', keyBase64 = ''] = image.publicKey.split(' ');
  for (const host of imageHostNames(image.name)) await recordHostKey(knownHostsFile, host, keyType, Buffer.from(keyBase64, 'base64'));
}

/** Trusts an image no more: out of the registry, and its key out of known_hosts under every name. */
export async function forgetImage(fingerprint: string, knownHostsFile: string): Promise<InstallerImage | undefined> {
  const file = imageRegistryFile(knownHostsFile);
  const images = await readImages(file);
  const image = imageWithKey(images, fingerprint);
  if (!image) return undefined;
  await writeSecretFile(
    file,
    `${JSON.stringify(
      images.filter((other) => other !== image),
      null,
      2,
    )}\n`,
    { overwrite: true, createDirectory: true },
  );
  const key = image.publicKey.split(' ')[1];
  const lines = (await readKnownHosts(knownHostsFile)).split('\n').filter((line) => !key || parseKnownHosts(line)[0]?.key.toString('base64') !== key);
  await writeSecretFile(knownHostsFile, lines.join('\n'), { overwrite: true, createDirectory: true });
  return image;
}
