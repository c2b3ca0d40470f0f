import type { PhaseDefinition } from '../phase.js';
import { ageKey } from './age-key.js';
import { copyClosure } from './copy-closure.js';
import { disko } from './disko.js';
import { extraFiles } from './extra-files.js';
import { fetchConfig } from './fetch-config.js';
import { finish } from './finish.js';
import { format } from './format.js';
import { hostKey } from './host-key.js';
import { install } from './install.js';
import { luksFormat } from './luks-format.js';
import { luksOpen } from './luks-open.js';
import { mount } from './mount.js';
import { partition } from './partition.js';
import { postMount } from './post-mount.js';
import { tmpstore } from './tmpstore.js';
import { uploadConfig } from './upload-config.js';

/** Every phase, in the one order they run. Each decides from the plan context whether it applies. */
export const phases = [
  uploadConfig,
  partition,
  luksFormat,
  luksOpen,
  format,
  disko,
  mount,
  tmpstore,
  postMount,
  extraFiles,
  fetchConfig,
  copyClosure,
  install,
  hostKey,
  ageKey,
  finish,
] as const;

/** The phases' ids, in the order they run. */
export type PhaseId = (typeof phases)[number]['id'];

/** The same list, each phase seen through the common interface (its own context narrowed by applies()). */
export const phaseDefinitions: readonly PhaseDefinition[] = phases;

export const phaseById = (id: string) => phaseDefinitions.find((phase) => phase.id === id);
