import type { EfiBootEntry } from './types.js';

// efibootmgr -v prints `Boot0000* Label<TAB>DevicePath…` (efibootmgr 17 and 18 alike; some
// builds use spaces instead of the tab). `*` marks an active entry. The device path names a
// GPT partition as HD(<n>,GPT,<partuuid>,<start>,<size>).
const entryLine = /^Boot([0-9A-Fa-f]{4})(\*?)\s+(.*)$/;
const devicePathStart = /(?:\t|\s{2,}|\s(?=(?:HD|PciRoot|Pci|BBS|VenHw|VenMedia|FvVol|FvFile|MAC|Uri|File|Acpi|CDROM|USB)\())/;
const gptPartition = /HD\(\d+,GPT,([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})/;

export function parseEfiBootEntries(output: string): EfiBootEntry[] {
  const entries: EfiBootEntry[] = [];
  for (const raw of output.split('\n')) {
    const match = entryLine.exec(raw.trimEnd());
    if (!match) continue;
    const rest = match[3]!;
    const split = devicePathStart.exec(rest);
    const label = (split ? rest.slice(0, split.index) : rest).trim();
    const path = split ? rest.slice(split.index) : '';
    const partUuid = gptPartition.exec(path)?.[1]?.toLowerCase();
    entries.push({ id: match[1]!.toUpperCase(), label, ...(partUuid ? { partUuid } : {}), active: match[2] === '*' });
  }
  return entries;
}

/** `BootCurrent: 0003` → "0003": the entry the running installer was started from. */
export function parseBootCurrent(output: string): string | undefined {
  return /^BootCurrent:\s*([0-9A-Fa-f]{4})/m.exec(output)?.[1]?.toUpperCase();
}
