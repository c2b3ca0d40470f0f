// `install --resume` carries on with the choices in the journal. A choice flag given with it
// must say the same as the journal, or the run is refused: never silently ignored.
import { usageError } from '../core/exit-codes.js';
import type { JournalData } from '../core/install/journal.js';
import type { InstallRequest } from './install-options.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

type Check = (request: InstallRequest, journal: Readonly<JournalData>) => boolean;
const layoutIs: Check = (r, j) => same(r.choices.layout, j.choices.layout);
const labelsAre: Check = (r, j) => same(r.choices.labels, j.choices.labels);
const installIs: Check = (r, j) => same(r.choices.install, j.choices.install);

/** For each choice flag, whether what it asks for is what the journal holds. */
const resumeFlagChecks: Record<string, Check> = {
  disk: (r, j) => r.disk === j.choices.disk,
  layout: layoutIs,
  'efi-size': layoutIs,
  swap: layoutIs,
  luks: layoutIs,
  'luks-label': layoutIs,
  'luks-name': layoutIs,
  'luks-iter-time': layoutIs,
  'disko-mode': layoutIs,
  'disk-encryption-keys': layoutIs,
  'label-efi': labelsAre,
  'label-root': labelsAre,
  'label-swap': labelsAre,
  mkdir: (r, j) => same(r.choices.mkdirs, j.choices.mkdirs),
  'post-mount': (r, j) => same(r.choices.postMount, j.choices.postMount),
  tmpstore: (r, j) => r.choices.tmpstore === j.choices.tmpstore,
  flake: (r, j) => r.choices.flake.uri === j.choices.flake.uri && r.choices.flake.host === j.choices.flake.host,
  host: (r, j) => r.choices.flake.host === j.choices.flake.host,
  mode: installIs,
  repo: installIs,
  'repo-path': installIs,
  system: installIs,
  finish: (r, j) => r.choices.finish === j.choices.finish,
  'extra-files': (r, j) => same(r.choices.extraFiles ?? null, j.choices.extraFiles ?? null),
  chown: (r, j) => same(r.choices.extraFiles ?? null, j.choices.extraFiles ?? null),
  'age-key-name': (r, j) => r.ageKeyTarget === j.choices.ageKey?.path,
  'age-key-path': (r, j) => r.ageKeyTarget === j.choices.ageKey?.path,
};

/** Flags that choose something a resume cannot change at all (keys already made and placed, the configuration already checked). */
export const notWithResume = [
  'age-key',
  'age-key-out',
  'secrets',
  'allow-unreadable-secrets',
  'host-key',
  'skip-boot-check',
  'write-disk-config',
  'generate-hardware-config',
  'allow-missing-hardware-config',
];

export function checkResumeFlags(request: InstallRequest, journal: Readonly<JournalData>): void {
  const refused = request.givenFlags.filter((flag) => notWithResume.includes(flag));
  const differ = request.givenFlags.filter((flag) => resumeFlagChecks[flag] && !resumeFlagChecks[flag](request, journal));
  if (refused.length === 0 && differ.length === 0) return;
  const parts = [
    ...(differ.length ? [`${differ.map((f) => `--${f}`).join(', ')} ${differ.length === 1 ? 'differs' : 'differ'} from the run being resumed`] : []),
    ...(refused.length ? [`${refused.map((f) => `--${f}`).join(', ')} cannot change on resume`] : []),
  ];
  throw usageError(
    `--resume: ${parts.join('; ')}`,
    `drop ${[...differ, ...refused].map((f) => `--${f}`).join(' ')} to carry on with the journal's choices (${journal.choices.flake.uri}#${journal.choices.flake.host} on ${journal.choices.disk || 'the mounted system'}), or start over without --resume`,
  );
}
