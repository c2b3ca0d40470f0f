import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { LabSpec } from './lab-spec.js';
import { labPaths } from './lab-spec.js';
import type { VmInfo } from './vm/vm.js';

export interface LabDisk {
  role: 'internal' | 'boot-medium' | 'usb-backup';
  /** Loop device, e.g. /dev/loop5. */
  device: string;
  image: string;
  sizeBytes: number;
}

export interface LabInstaller {
  index: number;
  netns: string;
  anchorPid: number;
  hostname: string;
  /** The laptop's interface on this installer's link. */
  laptopInterface: string;
  mac: string;
  /** False when a twin on the same link holds fe80::47 (duplicate address detection). */
  hasStaticLinkLocal: boolean;
  /** EUI-64 link-local address, when enabled. */
  eui64Address?: string;
  ipv4?: string;
  hostKeyFile: string;
  hostKeyFingerprint: string;
  disks: LabDisk[];
  pids: Record<string, number>;
  dir: string;
}

export interface LabState {
  id: string;
  spec: LabSpec;
  createdAt: string;
  stateDir: string;
  imageDir: string;
  laptop: {
    netns: string;
    anchorPid: number;
    /** Bound over /root inside the laptop host: ssh key, tool config, logs. */
    home: string;
    interfaces: string[];
    pids: Record<string, number>;
  };
  installers: LabInstaller[];
  vm?: VmInfo & { hostname: string; hostKeyFingerprint: string; stockIso?: boolean };
  /** Loop devices attached by this lab (detached by lab down). */
  loops: string[];
  timingsMs: Record<string, number>;
}

let saveCount = 0;

const stateFile = (id: string) => `${labPaths(id).stateDir}/state.json`;

export async function readLabState(id: string): Promise<LabState | null> {
  const file = stateFile(id);
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, 'utf8')) as LabState;
}

/** Written after every resource is created, so `lab down` can undo a half-finished `lab up`. */
export async function writeLabState(state: LabState): Promise<void> {
  await mkdir(state.stateDir, { recursive: true, mode: 0o700 });
  const file = stateFile(state.id);
  // Installers boot in parallel and each saves: every write gets its own temp file.
  const temp = `${file}.${process.pid}.${(saveCount += 1)}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
