import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { refusal } from '../exit-codes.js';
import { writeSecretFile } from '../keys/secret-file.js';
import { stateDir } from '../paths.js';
import type { Choices, PhaseId } from '../plan/types.js';
import type { Target } from '../ssh/types.js';
import type { ResumeIdentity } from './resume-check.js';

/** What a later `install --resume` needs to carry on where a run stopped. Holds no secret. */
export interface JournalData {
  version: 1;
  target: Target;
  fingerprint: string;
  choices: Choices;
  /** The disk and the installer's MAC the run started on, checked again on resume. */
  identity?: ResumeIdentity;
  /** The local copy of the age key, reloaded on resume. */
  ageKeyFile?: string;
  /** --host-key, reloaded on resume. */
  hostKeyFile?: string;
  logFile?: string;
  completed: PhaseId[];
  startedAt: string;
  updatedAt: string;
}

export const journalDir = () => join(stateDir(), 'runs');

const fingerprintPart = (fingerprint: string) => fingerprint.replace(/^SHA256:/, '').replace(/[^A-Za-z0-9]/g, '_');

/**
 * One journal per installer, named after its host key (stable while the live system runs) and
 * its MAC: machines booted from one installer image share the key, never the MAC.
 */
export const journalPath = (fingerprint: string, mac?: string) =>
  join(journalDir(), `${fingerprintPart(fingerprint)}${mac ? `-${mac.replace(/[^0-9a-fA-F]/g, '').toLowerCase()}` : ''}.json`);

export class Journal {
  private constructor(
    readonly path: string,
    private data: JournalData,
  ) {}

  static async start(data: Omit<JournalData, 'version' | 'completed' | 'startedAt' | 'updatedAt'>): Promise<Journal> {
    const now = new Date().toISOString();
    const journal = new Journal(journalPath(data.fingerprint, data.identity?.mac), { version: 1, ...data, completed: [], startedAt: now, updatedAt: now });
    await journal.save();
    return journal;
  }

  /** The journals of runs on installers with this host key (several when one image booted several machines). */
  static async runsFor(fingerprint: string): Promise<string[]> {
    const prefix = fingerprintPart(fingerprint);
    const names = await readdir(journalDir()).catch(() => [] as string[]);
    return names.filter((name) => new RegExp(`^${prefix}(-[0-9a-f]{12})?\\.json$`).test(name)).map((name) => join(journalDir(), name));
  }

  /** The journal of the installer with this host key (and MAC); null when there is none. */
  static async load(fingerprint: string, mac?: string): Promise<Journal | null> {
    return (mac ? await Journal.loadPath(journalPath(fingerprint, mac)) : null) ?? Journal.loadPath(journalPath(fingerprint));
  }

  static async loadPath(path: string): Promise<Journal | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw refusal(`the journal ${path} cannot be read: ${(error as Error).message}`, 'fix its permissions, or move it aside to start over');
    }
    let data: JournalData;
    try {
      data = JSON.parse(text) as JournalData;
    } catch (error) {
      throw refusal(`the journal ${path} is damaged: ${(error as Error).message}`, 'move it aside and run the install again without --resume');
    }
    if (data?.version !== 1 || !Array.isArray(data.completed) || !data.choices) {
      throw refusal(
        `the journal ${path} is not one this version can resume (version ${String(data?.version)})`,
        'move it aside and run the install again without --resume',
      );
    }
    // Journals written before --age-key-path name only the file under /etc/age.
    const ageKey = data.choices.ageKey as (typeof data.choices.ageKey & { fileName?: string }) | null;
    if (ageKey?.fileName && !ageKey.path) data.choices.ageKey = { recipient: ageKey.recipient, path: `/etc/age/${ageKey.fileName}` };
    // … and before --disko-mode and --disk-encryption-keys, a disko run always destroyed and formatted.
    const layout = data.choices.layout;
    if (layout?.kind === 'disko') data.choices.layout = { kind: 'disko', mode: layout.mode ?? 'disko', keys: layout.keys ?? [] };
    return new Journal(path, data);
  }

  get value(): Readonly<JournalData> {
    return this.data;
  }

  isDone(id: PhaseId): boolean {
    return this.data.completed.includes(id);
  }

  async markDone(id: PhaseId): Promise<void> {
    if (!this.isDone(id)) this.data.completed.push(id);
    await this.save();
  }

  /** A phase that runs again is not done until it finishes again. */
  async markStarted(id: PhaseId): Promise<void> {
    if (!this.isDone(id)) return;
    this.data.completed = this.data.completed.filter((done) => done !== id);
    await this.save();
  }

  async update(changes: Partial<Pick<JournalData, 'logFile' | 'ageKeyFile'>>): Promise<void> {
    Object.assign(this.data, changes);
    await this.save();
  }

  private async save(): Promise<void> {
    this.data.updatedAt = new Date().toISOString();
    await writeSecretFile(this.path, `${JSON.stringify(this.data, null, 2)}\n`, { overwrite: true, createDirectory: true });
  }
}
