// install --hosts on five netns installers: four named in the hosts file, installed two at a time,
// one told to fail in nixos-install; the fifth listed and left alone. The failed one resumes, and
// each disk holds its own machine's age key. The mounted layout (the lab lays out each disk: a
// netns installer cannot): the tool mounts, installs (the stand-in) and hands the key over.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inHost } from '../../source/lab/run-command.js';
import { TmuxTerminal } from '../../scripts/tmux-driver.mjs';
import { cliPath, LabHandle, startLab, stopLab } from './lab-fixture.js';
import { records, type NdjsonRecord } from './vm-lab.js';

const id = 'nbf';
const terminal = new TmuxTerminal('nbf-wizard', 'fleet');
const captures = process.env.NB_MEDIA_CAPTURES;
let lab: LabHandle;
const work = '/root/work';
const machines = [1, 2, 3, 4];
const host = (index: number) => `web${index}`;

before(async () => {
  lab = await startLab({ id, installers: [...machines.map(() => ({ mountedLayout: true })), {}] });
  const hosts = machines.map((index) => ({
    mac: lab.installerState(index).mac,
    fingerprint: lab.installerState(index).hostKeyFingerprint,
    flake: `github:me/fleet#${host(index)}`,
  }));
  const setup = await lab.laptop(['bash', '-c', `mkdir -p ${work} && cat > ${work}/hosts.json`], { input: JSON.stringify({ hosts }) });
  assert.equal(setup.exitCode, 0, setup.stderr);
});
after(async () => {
  terminal.stop();
  await stopLab(lab, id);
});

type Summary = NdjsonRecord & {
  exitCode: number;
  resumeCommand: string | null;
  hosts: Array<{ host: string; status: string; exitCode: number; ageKeyFile?: string }>;
};

/** The age key on machine `index`'s new root, and the one saved on the laptop for it (in `dir` of the lab home). */
async function keys(index: number, dir = 'work') {
  const onDisk = await lab.installer(index, 'mkdir -p /mnt2 && mount /dev/disk/by-label/nixos /mnt2 && cat /mnt2/etc/age/*.agekey; umount /mnt2');
  const saved = readFileSync(`${lab.state.laptop.home}/${dir}/${host(index)}.agekey`, 'utf8');
  const secret = (text: string) => /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(text)?.[0];
  return { onDisk: secret(onDisk.stdout), saved: secret(saved), files: onDisk.stdout };
}

test('four machines, two at a time, one failing: the others finish, the failed one resumes, each disk holds its own key, the fifth installer is left alone', async () => {
  await lab.installer(3, 'echo 1 > /run/lab/nixos-install.fail');
  const args = ['install', '--hosts', 'hosts.json', '--all', '--concurrency', '2', '--layout', 'mounted', '--finish', 'none', '--yes', '--json'];
  const run = await lab.cli(args, { cwd: work });
  assert.equal(run.exitCode, 1, run.stderr + run.stdout.slice(-3000));
  const events = records(run.stdout);

  // Every line of a machine's run says which machine; never more than two run at once.
  const perMachine = events.filter((e) => e.host !== undefined);
  assert.ok(perMachine.length > 20);
  let running = 0;
  let most = 0;
  for (const e of perMachine) {
    if (e.type === 'note' && String(e.message).startsWith('Installing on')) most = Math.max(most, ++running);
    if (e.type === 'result' || e.type === 'error') running -= 1;
  }
  assert.equal(most, 2, 'concurrency 2');
  assert.deepEqual(
    events.filter((e) => e.type === 'unmatched-installer').map((e) => e.mac),
    [lab.installerState(5).mac],
  );

  const summary = events.find((e) => e.type === 'hosts-summary') as Summary;
  assert.deepEqual(
    summary.hosts.map((h) => [h.host, h.status, h.exitCode]),
    [
      ['web1', 'installed', 0],
      ['web2', 'installed', 0],
      ['web3', 'failed', 1],
      ['web4', 'installed', 0],
    ],
  );
  assert.equal(summary.exitCode, 1);
  for (const index of [1, 2, 4]) {
    const { onDisk, saved } = await keys(index);
    assert.ok(onDisk && onDisk === saved, `${host(index)}'s disk holds another key than the one saved for it`);
  }
  assert.match((await keys(3)).files, /^$/, 'the failed machine got a key before its install finished');
  const calls = await lab.installer(5, 'ls /run/lab/calls 2>/dev/null | wc -l');
  assert.equal(calls.stdout.trim(), '0', 'the installer no entry names was used');

  // The one command the summary gives resumes the failed machine only.
  assert.match(summary.resumeCommand!, /^nixos-bootstrap install --hosts hosts\.json --only web3 --resume /);
  await lab.installer(3, 'rm /run/lab/nixos-install.fail');
  const again = await lab.cli(summary.resumeCommand!.replace(/^nixos-bootstrap /, '').split(' '), { cwd: work });
  assert.equal(again.exitCode, 0, again.stderr + again.stdout.slice(-3000));
  const resumed = records(again.stdout);
  assert.ok(
    resumed.filter((e) => e.type === 'phase-skip').every((e) => e.host === 'web3'),
    'only web3 ran',
  );
  assert.deepEqual(
    (resumed.find((e) => e.type === 'hosts-summary') as Summary).hosts.map((h) => [h.host, h.status]),
    [['web3', 'installed']],
  );
  const { onDisk, saved } = await keys(3);
  assert.ok(onDisk && onDisk === saved, 'web3 holds its own key after the resume');
});

test('an orchestrator installs one machine with examples/install-host.sh: the exit status, its events in HOST.ndjson, its summary as the last line', async () => {
  const script = new URL('../../examples/install-host.sh', import.meta.url).pathname;
  const env = { NIXOS_BOOTSTRAP: `${process.execPath} ${cliPath}` };
  const flags = ['--layout', 'mounted', '--finish', 'none', '--age-key', 'none'];
  await lab.installer(4, 'echo 1 > /run/lab/nixos-install.fail');
  const failed = await lab.laptop(['bash', script, 'hosts.json', 'web4', ...flags], { cwd: work, env });
  assert.equal(failed.exitCode, 1, failed.stderr);
  assert.equal(JSON.parse(failed.stdout.trim().split('\n').at(-1)!).status, 'failed');
  await lab.installer(4, 'rm /run/lab/nixos-install.fail');
  const resumed = await lab.laptop(['bash', script, 'hosts.json', 'web4', '--resume', ...flags], { cwd: work, env });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  const row = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
  assert.deepEqual([row.host, row.status, row.exitCode], ['web4', 'installed', 0]);
  const events = readFileSync(`${lab.state.laptop.home}/work/web4.ndjson`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.ok(events.every((e) => e.host === undefined || e.host === 'web4') && events.some((e) => e.type === 'phase-skip'));
  const missing = await lab.laptop(['bash', script, 'hosts.json', 'nope', ...flags], { cwd: work, env });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stdout, /"status":"error","message":"--only nope: not in hosts.json"/);
});

test(
  'the wizard with a TOML hosts file: three of four machines marked, one typed confirmation, two at a time, each disk with its own key',
  { timeout: 120_000 },
  async () => {
    const dir = 'wizard';
    const hosts = machines
      .map(
        (index) =>
          `[[hosts]]\nmac = "${lab.installerState(index).mac}"\nfingerprint = "${lab.installerState(index).hostKeyFingerprint}"\nflake = "github:me/fleet#${host(index)}"\n`,
      )
      .join('\n');
    mkdirSync(join(lab.state.laptop.home, dir), { recursive: true });
    writeFileSync(join(lab.state.laptop.home, dir, 'hosts.toml'), hosts);
    const web4Before = (await keys(4)).onDisk ?? '';
    // Slow enough output that two run side by side while the third waits.
    for (const index of [1, 2, 3]) await lab.installer(index, 'echo 40 > /run/lab/nixos-install.lines && echo 40 > /run/lab/nixos-install.delay-ms');
    const env = ['env', '-u', 'SSH_AUTH_SOCK', '-u', 'CI', '-u', 'NO_COLOR', 'HOME=/root', 'TERM=xterm-256color', 'LANG=C.UTF-8'];
    const wizard = `cd /root/${dir} && ${process.execPath} ${cliPath} --hosts hosts.toml --concurrency 2 --layout mounted --finish none; echo "[wizard exit $?]"; sleep 600`;
    terminal.start(inHost(lab.state.laptop.anchorPid, [...env, 'bash', '-c', wizard]));

    let text = await terminal.waitFor(/4 of 4 machines found \(5 installers answered\); 4 marked/, 'the machines matched');
    assert.match(text, /not in hosts\.toml: /, 'the fifth installer is listed, not offered');
    await terminal.press('Down', 'Down', 'Down', 'Space');
    await terminal.waitFor(/\[ \] web4/, 'web4 unmarked');
    await terminal.press('Enter');
    text = await terminal.waitFor(/Type 3 to install them:/, 'three plans and the confirmation', 60_000);
    assert.match(text, /web3 +✔ the system mounted at \/mnt\n/);
    assert.match(text, /Installing 3 machines will write into 3 mounted systems, as listed above\./);
    await terminal.press('Right');
    text = await terminal.waitFor(/1\. Mount the new system under \/mnt/, "web1's plan, opened");
    assert.match(text, /^web1 · installer 52:54:00:47:00:01 /m);
    assert.match(text, /Age public key for web1:/);
    await terminal.press('NPage');
    await terminal.waitFor(/2\. Install NixOS\n\s+\$ nixos-install --root \/mnt/, 'the rest of the plan, a page down');
    await terminal.press('Left');
    await terminal.waitFor(/Type 3 to install them:/, 'the list again');
    await terminal.type('3');
    await terminal.press('Enter');
    await terminal.waitFor(
      (screen) => screen.match(/[█░]{16} \d\/\d /g)?.length === 2 && /1 waiting for a free slot: web\d/.test(screen),
      'two running, the third waiting',
    );
    if (captures) {
      // The README's screen: both in nixos-install, the focused one's output streaming.
      await terminal.waitFor(/Install NixOS[\s\S]*Install NixOS[\s\S]*copying path/, 'both machines installing');
      mkdirSync(captures, { recursive: true });
      writeFileSync(join(captures, 'fleet-install.ansi'), `${terminal.screen(true)}\n`);
    }
    text = await terminal.waitFor(/\[wizard exit \d+\]/, 'the end', 60_000);
    assert.match(text, /\[wizard exit 0\]/, text);
    assert.match(terminal.scrollback(), /3 of 3 machines installed:\n {2}web1 +installed +log /);
    for (const index of [1, 2, 3]) {
      const { onDisk, saved } = await keys(index, dir);
      assert.ok(onDisk && onDisk === saved, `${host(index)}'s disk holds another key than the one the wizard saved for it`);
    }
    assert.equal((await keys(4)).onDisk ?? '', web4Before, 'web4 was not marked, and was not installed again');
    const calls = await lab.installer(5, 'ls /run/lab/calls 2>/dev/null | wc -l');
    assert.equal(calls.stdout.trim(), '0', 'the installer no entry names was used');
  },
);
