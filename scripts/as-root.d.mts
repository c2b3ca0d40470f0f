export function hasSudo(): boolean;
export function asRoot(command: string): string;
