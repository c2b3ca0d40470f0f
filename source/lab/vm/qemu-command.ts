// The qemu command line of the VM installer, as a pure function of its layout.

export const qbootRom = '/usr/share/qemu/qboot.rom';
export const ovmfCode = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const ovmfVarsTemplate = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface QemuLayout {
  /** Shown in `ps` (qemu's -name with process=): lets a lab find and check its own qemu. */
  name: string;
  efi: boolean;
  kernel: string;
  initrd: string;
  append: string;
  /** Per-lab writable copy of the OVMF variable store (EFI only). */
  ovmfVars?: string;
  consoleSocket: string;
  consoleLog: string;
  pidFile: string;
  internalDisk: { image: string; serial: string };
  bootMedium: { image: string; serial: string };
  /** A USB backup drive that reports itself fixed (RM=0). */
  usbBackup?: { image: string; serial: string };
  tap: string;
  mac: string;
  memoryMiB: number;
  cpus: number;
  /** A guest reboot restarts the VM (the installer boots again) instead of ending qemu. */
  allowReboot?: boolean;
}

/** Kernel command line: serial console, reboot on panic (qemu then exits: -no-reboot). */
export const kernelAppend = 'console=ttyS0,115200 panic=-1 loglevel=4 8250.nr_uarts=1 i8042.noaux i8042.nokbd';

export function qemuArgs(layout: QemuLayout): string[] {
  const firmware = layout.efi
    ? ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${ovmfCode}`, '-drive', `if=pflash,format=raw,unit=1,file=${requireVars(layout)}`]
    : ['-bios', qbootRom];
  return [
    'qemu-system-x86_64',
    '-name',
    `${layout.name},process=${layout.name}`,
    // /dev/kvm on these machines is PVM-based and hangs stock kernels: emulate.
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-smp',
    String(layout.cpus),
    '-m',
    String(layout.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    ...(layout.allowReboot ? [] : ['-no-reboot']),
    '-daemonize',
    '-pidfile',
    layout.pidFile,
    ...firmware,
    '-kernel',
    layout.kernel,
    '-initrd',
    layout.initrd,
    '-append',
    layout.append,
    '-chardev',
    `socket,id=console,path=${layout.consoleSocket},server=on,wait=off,logfile=${layout.consoleLog}`,
    '-serial',
    'chardev:console',
    '-drive',
    `file=${layout.internalDisk.image},if=none,id=internal,format=raw,cache=unsafe,discard=unmap`,
    '-device',
    `virtio-blk-pci,drive=internal,serial=${layout.internalDisk.serial}`,
    '-device',
    'qemu-xhci,id=xhci',
    '-drive',
    `file=${layout.bootMedium.image},if=none,id=bootmedium,format=raw,cache=unsafe`,
    '-device',
    `usb-storage,bus=xhci.0,drive=bootmedium,removable=on,serial=${layout.bootMedium.serial}`,
    ...(layout.usbBackup
      ? [
          '-drive',
          `file=${layout.usbBackup.image},if=none,id=backup,format=raw,cache=unsafe`,
          '-device',
          `usb-storage,bus=xhci.0,drive=backup,removable=off,serial=${layout.usbBackup.serial}`,
        ]
      : []),
    '-netdev',
    `tap,id=lan,ifname=${layout.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=lan,mac=${layout.mac}`,
    '-device',
    'virtio-rng-pci',
  ];
}

function requireVars(layout: QemuLayout): string {
  if (!layout.ovmfVars) throw new Error('lab: EFI boot needs a per-lab OVMF variable store');
  return layout.ovmfVars;
}
