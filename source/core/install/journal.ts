import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSecretFile } from '../keys/secret-file.js';
import { stateDir } from '../paths.js';
import type { Choices, PhaseId } from '../plan/types.js';
import type { Target } from '../ssh/types.js';

/** What a later `install --resume` needs to carry on where a run stopped. Holds no secret. */
export interface JournalData {
  version: 1;
  target: Target;
  fingerprint: string;
  choices: Choices;
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

/** One journal per installer, named after its host key (stable while the live system runs). */
export const journalPath = (fingerprint: string) =>
  join(journalDir(), `${fingerprint.replace(/^SHA256:/, '').replace(/[^A-Za-z0-9]/g, '_')}.json`);

export class Journal {
  private constructor(
    readonly path: string,
    private data: JournalData,
  ) {}

  static async start(data: Omit<JournalData, 'version' | 'completed' | 'startedAt' | 'updatedAt'>): Promise<Journal> {
    const now = new Date().toISOString();
    const journal = new Journal(journalPath(data.fingerprint), { version: 1, ...data, completed: [], startedAt: now, updatedAt: now });
    await journal.save();
    return journal;
  }

  static async load(fingerprint: string): Promise<Journal | null> {
    const path = journalPath(fingerprint);
    try {
      const data = JSON.parse(await readFile(path, 'utf8')) as JournalData;
      return data.version === 1 ? new Journal(path, data) : null;
    } catch {
      return null;
    }
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
