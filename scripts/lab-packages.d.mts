export const packageListFile: string;
export function parsePackageList(text: string): string[];
export function readPackageList(file?: string): string[];
