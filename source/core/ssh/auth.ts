// Authentication like OpenSSH and nixos-anywhere: ssh-agent, `-i FILE`, the default ~/.ssh/id_*,
// then a password (SSH_PASS with --env-password, or a prompt). Only method NAMES are ever
// reported; the password lives in memory for reconnects and nowhere else.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type AnyAuthMethod, type AuthenticationType, type NextAuthHandler, type ParsedKey } from 'ssh2';
import { usageError } from '../exit-codes.js';
import { tildePath } from '../paths.js';
import { takeEnvPassword } from './env-password.js';

export interface AuthOptions {
  /** ssh-agent socket; default `SSH_AUTH_SOCK` from `env`. An empty string turns the agent off. */
  agentSocket?: string;
  /** `-i FILE` (tried first, in order). Unreadable or unusable files are a usage error. */
  identityFiles?: string[];
  /** Also try ~/.ssh/id_ed25519, id_ecdsa, id_rsa when they exist. Default true. */
  defaultIdentities?: boolean;
  /** `--env-password`: take the password from `SSH_PASS` in `env`. */
  envPassword?: boolean;
  /** A password already at hand (e.g. typed in the wizard before connecting). */
  password?: string;
  /** Asked when the server accepts passwords and nothing else worked; undefined/'' gives up. */
  passwordPrompt?: (request: { where: string; attempt: number }) => Promise<string | undefined>;
  /** At most this many prompted passwords per connection (default 3). */
  passwordAttempts?: number;
  /** Environment to read SSH_AUTH_SOCK / SSH_PASS from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Home directory for the default identities (default os.homedir()). */
  home?: string;
}

interface KeyCredential {
  label: string;
  key: ParsedKey;
}

/** What a connection may authenticate with, loaded once per session. */
export class Credentials {
  /** Set once a password worked, so a reconnect does not ask again. */
  private rememberedPassword: string | undefined;

  private constructor(
    readonly agentSocket: string | undefined,
    readonly keys: KeyCredential[],
    /** Default keys we could not use, named for the failure message. */
    readonly skipped: string[],
    private readonly fixedPassword: string | undefined,
    private readonly prompt: AuthOptions['passwordPrompt'],
    readonly passwordAttempts: number,
  ) {}

  static load(options: AuthOptions): Credentials {
    const env = options.env ?? process.env;
    const home = options.home ?? homedir();
    const agentSocket = options.agentSocket ?? env.SSH_AUTH_SOCK;
    const usableAgent = agentSocket && isSocket(agentSocket) ? agentSocket : undefined;

    const keys: KeyCredential[] = [];
    const skipped: string[] = [];
    for (const file of options.identityFiles ?? []) {
      let data: Buffer;
      try {
        data = readFileSync(file);
      } catch (error) {
        throw usageError(`cannot read identity file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
      const key = parsePrivateKey(data);
      if (key === 'encrypted') throw usageError(`identity file ${file} is encrypted`, 'add it to ssh-agent (ssh-add) and run again');
      if (key === undefined) throw usageError(`identity file ${file} is not a private key ssh2 can use`);
      keys.push({ label: `key ${tildePath(file, home)}`, key });
    }
    if (options.defaultIdentities !== false) {
      for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
        const file = join(home, '.ssh', name);
        let data: Buffer;
        try {
          data = readFileSync(file);
        } catch {
          continue; // absent default keys are simply not there, as with OpenSSH
        }
        const key = parsePrivateKey(data);
        if (key === 'encrypted') skipped.push(`key ${tildePath(file, home)} (encrypted: use ssh-agent)`);
        else if (key === undefined) skipped.push(`key ${tildePath(file, home)} (unreadable)`);
        else keys.push({ label: `key ${tildePath(file, home)}`, key });
      }
    }

    let fixedPassword = options.password;
    if (options.envPassword) {
      const fromEnv = env === process.env ? takeEnvPassword(env) : env.SSH_PASS;
      if (!fromEnv) throw usageError('--env-password given but SSH_PASS is empty or unset');
      fixedPassword = fromEnv;
    }
    return new Credentials(usableAgent, keys, skipped, fixedPassword, options.passwordPrompt, options.passwordAttempts ?? 3);
  }

  get hasPasswordSource(): boolean {
    return this.password !== undefined || this.prompt !== undefined;
  }

  get password(): string | undefined {
    return this.rememberedPassword ?? this.fixedPassword;
  }

  remember(password: string): void {
    this.rememberedPassword = password;
  }

  async ask(where: string, attempt: number): Promise<string | undefined> {
    if (!this.prompt) return undefined;
    const answer = await this.prompt({ where, attempt });
    return answer === '' ? undefined : answer;
  }
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function parsePrivateKey(data: Buffer): ParsedKey | 'encrypted' | undefined {
  const parsed = ssh2.utils.parseKey(data);
  if (parsed instanceof Error) return /encrypted|passphrase/i.test(parsed.message) ? 'encrypted' : undefined;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return key && key.isPrivateKey() ? key : undefined;
}

/** Hooks the connection gives the auth handler: pause its timeout while a person types. */
export interface AuthHooks {
  where: string;
  user: string;
  onPromptStart?: () => void;
  onPromptEnd?: () => void;
}

/**
 * The state of authenticating ONE connection: an ssh2 `authHandler` that first asks the server
 * which methods it accepts (`none`), then walks agent → keys → password, recording what it tried.
 */
export class AuthAttempt {
  readonly tried: string[] = [];
  serverMethods: string[] = [];
  exhausted = false;
  /** The password in flight, remembered in the credentials once the server says yes. */
  private pendingPassword: string | undefined;
  private readonly plan: Array<() => Promise<AnyAuthMethod | undefined> | AnyAuthMethod | undefined>;

  constructor(
    private readonly credentials: Credentials,
    private readonly hooks: AuthHooks,
  ) {
    const user = hooks.user;
    const allows = (method: AuthenticationType | 'publickey') => this.serverMethods.includes(method);
    this.plan = [
      () => ({ type: 'none', username: user }),
      () => {
        if (!credentials.agentSocket || !allows('publickey')) return undefined;
        this.note('agent');
        return { type: 'agent', username: user, agent: credentials.agentSocket };
      },
      ...credentials.keys.map((credential) => () => {
        if (!allows('publickey')) return undefined;
        this.note(credential.label);
        return { type: 'publickey' as const, username: user, key: credential.key };
      }),
      ...this.passwordSteps(),
    ];
  }

  private passwordSteps(): Array<() => Promise<AnyAuthMethod | undefined>> {
    const credentials = this.credentials;
    const steps: Array<() => Promise<AnyAuthMethod | undefined>> = [];
    const prompted = credentials.password === undefined;
    const attempts = prompted ? credentials.passwordAttempts : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      steps.push(async () => {
        const viaPassword = this.serverMethods.includes('password');
        const viaKeyboard = this.serverMethods.includes('keyboard-interactive');
        if (!viaPassword && !viaKeyboard) return undefined;
        if (!credentials.hasPasswordSource) return undefined;
        let password = credentials.password;
        if (prompted) {
          this.hooks.onPromptStart?.();
          try {
            password = await credentials.ask(this.hooks.where, attempt);
          } finally {
            this.hooks.onPromptEnd?.();
          }
        }
        if (password === undefined) return undefined;
        this.pendingPassword = password;
        const label = viaPassword ? 'password' : 'keyboard-interactive';
        this.note(attempt > 1 ? `${label} (attempt ${attempt})` : label);
        if (viaPassword) return { type: 'password', username: this.hooks.user, password };
        return {
          type: 'keyboard-interactive',
          username: this.hooks.user,
          prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password!)),
        };
      });
    }
    return steps;
  }

  /** The ssh2 authHandler. */
  readonly handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    if (methodsLeft) this.serverMethods = [...methodsLeft];
    void this.nextMethod().then(
      (method) => {
        if (method) return next(method);
        this.exhausted = true;
        next(false as unknown as AuthenticationType);
      },
      () => {
        this.exhausted = true;
        next(false as unknown as AuthenticationType);
      },
    );
  };

  private async nextMethod(): Promise<AnyAuthMethod | undefined> {
    while (this.plan.length > 0) {
      const method = await this.plan.shift()!();
      if (method) return method;
    }
    return undefined;
  }

  /** Called when the server accepted us. */
  succeeded(): void {
    if (this.pendingPassword !== undefined) this.credentials.remember(this.pendingPassword);
    this.pendingPassword = undefined;
  }

  /** Every method we tried, plus the default keys we had to skip. */
  describeTried(): string[] {
    return [...this.tried, ...this.credentials.skipped];
  }

  /** The method that worked (the last one tried), for the UI. */
  get lastMethod(): string {
    return this.tried[this.tried.length - 1] ?? 'none';
  }

  private note(label: string): void {
    this.tried.push(label);
  }
}
