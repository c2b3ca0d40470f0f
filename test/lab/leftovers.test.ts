// Runs last (scripts/test.mjs orders it so): after every lab test, pass or fail, nothing of any
// lab may remain on this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { labsRoot } from '../../source/lab/lab-spec.js';
import { tmuxDir } from '../../scripts/tmux-driver.mjs';

test('no lab namespace, loop device, mount, mapping, process or state is left behind', async () => {
  const namespaces = (await execa('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => /^[a-z][a-z0-9]{0,7}-(laptop|i\d+)\b/.test(l));
  assert.deepEqual(namespaces, [], 'lab namespaces left');
  const loops = (await execa('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'])).stdout.split('\n').filter((l) => l.includes(labsRoot));
  assert.deepEqual(loops, [], 'lab loop devices left');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(labsRoot) || / nb-(root|layer|run|dev|mnt)\b/.test(l));
  assert.deepEqual(mounts, [], 'lab mounts left');
  const mappings = (await execa('dmsetup', ['ls'], { reject: false })).stdout.split('\n').filter((l) => l && !/No devices found/.test(l));
  assert.deepEqual(mappings, [], 'device-mapper entries left');
  const processes = readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(labsRoot) || /^qemu-system|^tmux -L nb/.test(cmdline) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
  assert.deepEqual(processes, [], 'lab processes left');
  const states = existsSync(labsRoot) ? readdirSync(labsRoot) : [];
  assert.deepEqual(states, [], 'lab state directories left');
  const sockets = ['nb-demo', 'nbw-wizard', 'nb-pass'].filter((name) => existsSync(tmuxDir(name)));
  assert.deepEqual(sockets, [], 'tmux socket directories of the terminal tests left');
  // Every test process runs under tsx: with its cache it would leave /tmp/tsx-UID behind.
  assert.equal(process.env.TSX_DISABLE_CACHE, '1', 'tsx keeps a compile cache in /tmp: run the tests with scripts/test.mjs');
});

test('root’s own shell still starts at once: no test left its rc files waiting on a lock', () => {
  // An interactive root shell reads ~/.bashrc, whatever this machine put there (a pyenv whose
  // lock a killed test command left behind made every later shell wait 60 s).
  const started = Date.now();
  const shell = spawnSync('bash', ['-ic', 'true'], { env: { HOME: '/root', PATH: process.env.PATH, TERM: 'dumb' }, encoding: 'utf8', timeout: 10_000 });
  const elapsedMs = Date.now() - started;
  assert.equal(shell.status, 0, shell.stderr);
  assert.ok(elapsedMs < 1000, `bash -ic true took ${elapsedMs} ms: ${shell.stderr}`);
});
