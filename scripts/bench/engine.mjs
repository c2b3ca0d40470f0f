// The engine's overhead: a headless install on the lab's VM installer against the same remote
// commands (the probe, then every command of the plan, in order) run by plain bash over one
// OpenSSH connection (ControlMaster), measured in the same run on the same VM. Also counts the
// logins the VM's sshd saw per install: the engine should need exactly one.
// The VM is emulated (TCG): the same command takes ±15% from one run to the next. So the two
// sides take turns going first, and the figure is the median of each pair's ratio.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const cli = new URL('../../dist/cli.js', import.meta.url).pathname;
const id = 'nbbe';
const quote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0 && !options.allowFailure) throw new Error(`${argv.join(' ').slice(0, 120)}: ${result.stderr.slice(-500)}`);
  return result;
}

const lab = (...args) => run([process.execPath, cli, 'lab', ...args]).stdout;
/** argv inside the lab's laptop, HOME its lab home (the lab's ssh key). */
const inLaptop = (argv, options) => run([process.execPath, cli, 'lab', 'shell', '--id', id, '--', 'env', 'HOME=/root', ...argv], options);

export async function benchEngine({ runs = 5 } = {}) {
  lab('down', '--id', id);
  lab('up', '--id', id, '--vm');
  const work = mkdtempSync(join(tmpdir(), 'nb-bench-engine-'));
  try {
    const state = JSON.parse(lab('status', '--id', id, '--json'));
    const target = `root@fe80::47%${state.vm.tap}`;
    const ssh = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
    const onVm = (command) => inLaptop([...ssh, target, command]).stdout;
    const logins = () => Number(onVm('grep -c "Accepted publickey" /run/sshd.log || true').trim());
    const reset = () =>
      onVm(
        'umount -R /mnt 2>/dev/null; swapoff -a; wipefs -a -q /dev/vda?* 2>/dev/null; wipefs -a -q /dev/vda; sgdisk -Z /dev/vda >/dev/null; partprobe /dev/vda; udevadm settle; rm -rf /run/lab/calls',
      );
    const install = ['install', target, '--flake', 'github:me/c#web', '--age-key', 'none', '--disk', '/dev/vda', '--finish', 'none', '--yes', '--json'];

    // The probe the tool runs first, as a file for the by-hand chain to send.
    const probe = join(work, 'probe.sh');
    const source = new URL('../../source/core/facts/probe-script.ts', import.meta.url).href;
    writeFileSync(
      probe,
      run([process.execPath, '--import', 'tsx', '-e', `import(${JSON.stringify(source)}).then((m) => process.stdout.write(m.probeScript))`]).stdout,
    );
    const tool = [];
    const reference = [];
    const handshakes = [];
    let commands = [];
    const runTool = () => {
      reset();
      inLaptop(['rm', '-rf', '/root/.local/state/nixos-bootstrap']);
      const before = logins();
      const started = performance.now();
      const result = inLaptop([process.execPath, cli, ...install]);
      const ms = performance.now() - started;
      handshakes.push(logins() - before - 1); // the count itself is one login
      const events = result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      // The exact remote commands, from the plan the run printed (no stdin input here).
      commands = events.find((e) => e.type === 'plan').phases.flatMap((phase) => phase.commands.filter((c) => c.where !== 'local').map((c) => c.run));
      return ms;
    };
    // The same commands by hand: one master connection, then each command over it, in order.
    const runByHand = () => {
      reset();
      const script = join(work, 'by-hand.sh');
      const control = `/tmp/nb-bench-${process.pid}.ctl`;
      const over = `${ssh.join(' ')} -o ControlPath=${control} ${target}`;
      writeFileSync(
        script,
        [
          'set -e',
          `${ssh.join(' ')} -o ControlMaster=yes -o ControlPath=${control} -o ControlPersist=60 -fN ${target}`,
          `${over} bash -s < ${probe} >/dev/null`,
          ...commands.map((command) => `${over} ${quote(command)} >/dev/null`),
          `${ssh.join(' ')} -o ControlPath=${control} -O exit ${target} 2>/dev/null || true`,
        ].join('\n'),
      );
      const started = performance.now();
      inLaptop(['bash', script]);
      return performance.now() - started;
    };
    runTool(); // the plan's commands for the by-hand side; caches in the VM warmed for both
    for (let i = 0; i < runs; i += 1) {
      if (i % 2 === 0) {
        tool.push(runTool());
        reference.push(runByHand());
      } else {
        reference.push(runByHand());
        tool.push(runTool());
      }
    }
    const ratios = tool.map((ms, i) => ms / reference[i]);
    return {
      'plain bash over one OpenSSH connection (reference)': { ms: median(reference), commands: commands.length },
      'headless install (process start to exit)': {
        ms: median(tool),
        ratio: median(ratios),
        fastestPair: Math.min(...ratios),
        slowestPair: Math.max(...ratios),
        goal: 1.1,
        goalMet: median(ratios) <= 1.1 ? 'yes' : 'no',
      },
      'SSH logins per install': { count: Math.max(...handshakes) },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    lab('down', '--id', id);
  }
}
