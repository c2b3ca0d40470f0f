// Stand-ins for `ping` and `ip` first on PATH: tests of the code that runs them send no packet
// and read no real neighbour table.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `ping … ff02::1%LINK`: one reply from the link; link `bad*` fails (exit 2), `slow*` pings on. */
const fakePing = `#!/bin/sh
for a; do dest=$a; done
link=\${dest#*%}
echo "PING $dest($dest) 56 data bytes"
echo "64 bytes from fe80::5054:ff:fe47:1%$link: icmp_seq=1 ttl=64 time=0.1 ms"
case $link in
  bad*) echo "ping: sendmsg: Network is down" >&2; exit 2;;
  slow*) echo $$ >> "$FAKE_DIR/ping-pids"; exec sleep 30;;
esac
exit 0
`;

/** \`ip -j neigh show\`: prints $FAKE_DIR/neigh.json; logs which process ran it. */
const fakeIp = `#!/bin/sh
echo "$PPID" >> "$FAKE_DIR/ip-parents"
cat "$FAKE_DIR/neigh.json"
`;

export interface FakeCommands {
  dir: string;
  restore: () => void;
}

/** Puts fake `ping` and `ip` first on PATH until `restore()`. */
export function installFakeCommands(): FakeCommands {
  const dir = mkdtempSync(join(tmpdir(), 'nb-fake-commands-'));
  for (const [name, text] of [
    ['ping', fakePing],
    ['ip', fakeIp],
  ] as const) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  writeFileSync(join(dir, 'neigh.json'), '[]');
  const saved = { PATH: process.env.PATH, FAKE_DIR: process.env.FAKE_DIR };
  process.env.PATH = `${dir}:${saved.PATH ?? '/usr/bin:/bin'}`;
  process.env.FAKE_DIR = dir;
  return {
    dir,
    restore: () => {
      process.env.PATH = saved.PATH;
      if (saved.FAKE_DIR === undefined) delete process.env.FAKE_DIR;
      else process.env.FAKE_DIR = saved.FAKE_DIR;
      // A neighbour shell closed just before may still be writing its last line here.
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}
