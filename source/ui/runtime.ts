// The wizard's live objects and secrets, outside React state: the SSH session, the discovery
// in progress, the install run, and the vault (LUKS passphrase, age identity). Nothing here is
// ever rendered; dispose() closes it all on the way out, whichever way the app ends.
import type { AgeKeyChoice } from '../core/install/prepare.js';
import { formatTarget } from '../core/ssh/target.js';
import type { Session, Target } from '../core/ssh/types.js';
import type { InstallHandle } from './run/install-session.js';
import type { DiscoveryHandle, WizardServices } from './services.js';

export interface Vault {
  luksPassphrase?: string;
  /** The passphrase fields as typed, so Esc and back keep them. */
  luksDraft?: { first: string; second: string };
}

export class WizardRuntime {
  session: Session | undefined;
  private sessionFor: string | undefined;
  discovery: DiscoveryHandle | undefined;
  install: InstallHandle | undefined;
  ageKey: AgeKeyChoice | undefined;
  readonly vault: Vault = {};

  constructor(readonly services: WizardServices) {}

  /** The open session if it goes to `target`. */
  sessionTo(target: Target): Session | undefined {
    return this.session && this.sessionFor === formatTarget(target) ? this.session : undefined;
  }

  adoptSession(target: Target, session: Session): void {
    this.session = session;
    this.sessionFor = formatTarget(target);
  }

  async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.sessionFor = undefined;
    await session?.close().catch(() => {});
  }

  stopDiscovery(): void {
    this.discovery?.stop();
    this.discovery = undefined;
  }

  /** Closes everything; a run still going is stopped (and, unless told not to, waited for). */
  async dispose(options: { waitForRun?: boolean } = {}): Promise<void> {
    this.stopDiscovery();
    if (this.install && !this.install.settled) {
      this.install.abort();
      if (options.waitForRun !== false) await this.install.outcome.catch(() => {});
    }
    await this.closeSession();
    delete this.vault.luksPassphrase;
    delete this.vault.luksDraft;
    this.ageKey = undefined;
  }
}
