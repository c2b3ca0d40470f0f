export function tmuxDir(name: string): string;
export function shellLine(argv: string[]): string;
export class TmuxTerminal {
  constructor(socket: string, session?: string);
  readonly screensSeen: Set<string>;
  start(argv: string[], size?: { columns?: number; rows?: number }): void;
  stop(): void;
  screen(colours?: boolean): string;
  scrollback(): string;
  waitFor(check: RegExp | ((text: string) => boolean), what: string, timeoutMs?: number): Promise<string>;
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  paste(text: string): Promise<void>;
}
