// `nixos-bootstrap discover`: lists live installers as they are verified, as NDJSON or a table.
import { errorText, ExitCode, unreachable, usageError } from '../core/exit-codes.js';
import type { Candidate } from '../core/discovery/candidate.js';
import { defaultTimeoutMs, discover, type DiscoveryResult, type Unanswered } from '../core/discovery/discover.js';
import { installerLinkLocal } from '../core/defaults.js';
import { connectHost } from '../core/discovery/ipv6.js';
import { imageWithKey, readImages, type InstallerImage } from '../core/installer/image-registry.js';
import { discoveryFlags, discoveryFlagSpec } from '../flags/discovery-flags.js';
import { wholeNumber } from '../flags/flag-values.js';
import { parseFlags } from '../flags/parse-flags.js';

export const discoverHelp = `Usage: nixos-bootstrap discover [options]

Finds NixOS live installers on every link of this machine: mDNS (bootstrap.local, nixos.local,
nixos-installer.local, _ssh._tcp, _workstation._tcp) and IPv6 neighbour discovery (all-nodes
ping, fe80::47). Each one is verified by reading its SSH host key, without logging in.

Options:
  --timeout S        stop searching after S seconds (default ${defaultTimeoutMs / 1000})
  --interface IF     search only this interface (repeatable)
  --name N           also look for the mDNS name N (.local is added; repeatable)
  --port P           SSH port to verify (default 22, or what _ssh._tcp announces)
  --json             one JSON object per installer per line, as soon as it is verified:
                     names, addresses[{address, interface, via}], port, mac, banner,
                     fingerprint, hostKeyType, firstSeenMs, image (the name of the installer
                     image made here with nixos-bootstrap installer whose host key it holds:
                     verified at first contact; null for any other)
  -h, --help         show this help

Exit status: 0 if an installer was found, 4 if none (the message says what was tried).
`;

const options = {
  ...discoveryFlagSpec,
  port: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The NDJSON shape: every documented field present, `null` when unknown. */
export function candidateJson(candidate: Candidate, images: InstallerImage[] = []): string {
  return JSON.stringify({
    names: candidate.names,
    addresses: candidate.addresses.map((a) => ({ address: a.address, interface: a.interface ?? null, via: a.via })),
    port: candidate.port,
    mac: candidate.mac ?? null,
    banner: candidate.banner ?? null,
    fingerprint: candidate.fingerprint ?? null,
    hostKeyType: candidate.hostKeyType ?? null,
    firstSeenMs: candidate.firstSeenMs,
    image: imageWithKey(images, candidate.fingerprint)?.name ?? null,
  });
}

const columns = { name: 24, address: 34, mac: 19 };
const pad = (text: string, width: number) => (text.length >= width ? `${text} ` : text.padEnd(width));

export const tableHeader = `${pad('NAME', columns.name)}${pad('ADDRESS', columns.address)}${pad('MAC', columns.mac)}HOST KEY\n`;

/** One installer as table lines: the best address on the first line, the others below it. */
export function tableRows(candidate: Candidate, images: InstallerImage[] = []): string {
  const addresses = candidate.addresses.map((a) => {
    const host = connectHost(a.address, a.interface);
    return `${host}${candidate.port !== 22 ? ` port ${candidate.port}` : ''} (${a.via})`;
  });
  const first = `${pad(candidate.names.join(', ') || '-', columns.name)}${pad(addresses[0] ?? '-', columns.address)}${pad(candidate.mac ?? '-', columns.mac)}${candidate.fingerprint ?? '-'}${imageNote(candidate, images)}\n`;
  return (
    first +
    addresses
      .slice(1)
      .map((a) => `${' '.repeat(columns.name)}${a}\n`)
      .join('')
  );
}

const imageNote = (candidate: Candidate, images: InstallerImage[]) => {
  const image = imageWithKey(images, candidate.fingerprint);
  return image ? ` ✔ image ${image.name} (${image.created.slice(0, 10)})` : '';
};

/** Why nothing was found, for a person: what was tried, what half-answered, likely causes. */
export function nothingFoundHint(result: DiscoveryResult): string {
  const lines: string[] = [];
  const links = result.interfaces;
  const v6 = links.filter((l) => l.ipv6).map((l) => l.name);
  const v4 = links.filter((l) => l.ipv4).map((l) => l.name);
  lines.push(
    `tried mDNS ${result.names.join(', ')} (A/AAAA) and ${result.services.join(', ')} over ${[v6.length ? `IPv6 on ${v6.join(', ')}` : '', v4.length ? `IPv4 on ${v4.join(', ')}` : ''].filter(Boolean).join(' and ') || 'no interface'}`,
  );
  if (v6.length) lines.push(`pinged ff02::1 and checked ${installerLinkLocal} port ${result.port} on ${v6.join(', ')}`);
  if (result.skippedInterfaces.length) lines.push(`skipped: ${result.skippedInterfaces.map((s) => `${s.name} (${s.reason})`).join(', ')}`);
  // One line per name (or fe80::47) and link: the places a person would try by hand.
  const groups = new Map<string, Unanswered[]>();
  let others = 0;
  for (const u of result.unanswered) {
    if (!u.name && u.address !== installerLinkLocal) {
      others += 1;
      continue;
    }
    const key = `${u.name ?? u.address} ${u.interface ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  for (const places of [...groups.values()].slice(0, 8)) {
    const first = places[0]!;
    const where = places.map((p) => `${connectHost(p.address, p.interface)} (${p.via})`).join(', ');
    lines.push(`seen ${first.name ? `${first.name} at ` : ''}${where}, but no SSH: ${first.reason.replace(/^.*?port \d+: /, '')}`);
  }
  if (others > 0) lines.push(`${others} other neighbour${others === 1 ? '' : 's'} answered, none with SSH on port ${result.port}`);
  for (const problem of result.problems) lines.push(`problem: ${problem}`);
  lines.push('likely causes: the installer is on a different link (same switch or Wi-Fi as this machine? try --interface);');
  lines.push('  a firewall drops mDNS (5353/udp) or ICMPv6 here or on the installer; the installer runs no avahi');
  lines.push('  (NDP still finds it on fe80::47 if it is on this link); its sshd is not up yet (run discover again);');
  lines.push('  or type its address by hand in the wizard (user@host[:port], fe80::…%interface)');
  return lines.join('\n  ');
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, discoverHelp);
  if (values.help) {
    process.stdout.write(discoverHelp);
    return ExitCode.ok;
  }
  if (positionals.length) throw usageError(`unexpected argument '${positionals[0]}'`, 'see nixos-bootstrap discover --help');
  const search = discoveryFlags(values);
  const timeoutMs = search.timeoutMs ?? defaultTimeoutMs;
  const port = wholeNumber(values.port, '--port', 65535);
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result;
  const printed = new Set<string>();
  try {
    // NB_DISCOVERY_TRACE=1: timing notes on stderr, in ms since this process started.
    const trace = process.env.NB_DISCOVERY_TRACE ? (note: string) => process.stderr.write(`${performance.now().toFixed(1)} ${note}\n`) : undefined;
    trace?.('discover command started');
    // Read while discovery starts: an installer whose key this laptop made is marked as such.
    const images = readImages().catch((error: unknown) => {
      process.stderr.write(`note: installers made here are not marked: ${errorText(error)}\n`);
      return [] as InstallerImage[];
    });
    const discovery = discover({ timeoutMs, interfaces: search.interfaces, names: search.names, port, signal: controller.signal, trace });
    for await (const update of discovery) {
      if (!update.settled || printed.has(update.candidate.id!)) continue;
      if (!values.json && printed.size === 0) process.stdout.write(tableHeader);
      printed.add(update.candidate.id!);
      const known = await images;
      process.stdout.write(values.json ? `${candidateJson(update.candidate, known)}\n` : tableRows(update.candidate, known));
    }
    result = await discovery.result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) return ExitCode.aborted;
  if (printed.size > 0) {
    if (!values.json) process.stdout.write(`\n${printed.size} installer${printed.size === 1 ? '' : 's'} found in ${(result.elapsedMs / 1000).toFixed(1)} s\n`);
    return ExitCode.ok;
  }
  const where = result.interfaces.length
    ? `on ${result.interfaces.map((i) => i.name).join(', ')}`
    : 'anywhere: no usable network interface (up, multicast, with an IPv6 link-local or IPv4 address)';
  throw unreachable(`no installer found ${where} within ${timeoutMs / 1000} s`, nothingFoundHint(result));
}
