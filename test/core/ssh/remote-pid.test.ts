import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { CommandStartFilter, killProcessGroupCommand, withPidReport } from '../../../source/core/ssh/remote-pid.js';

function filtered(chunks: Buffer[], stream: 'stdout' | 'stderr' = 'stderr'): { pid?: number; out: string } {
  let pid: number | undefined;
  const out: Buffer[] = [];
  const push = (chunk: Buffer) => out.push(chunk);
  const filter = stream === 'stderr' ? CommandStartFilter.stderr((p) => (pid = p), push) : CommandStartFilter.stdout(push);
  for (const chunk of chunks) filter.push(chunk);
  filter.end();
  return { ...(pid !== undefined ? { pid } : {}), out: Buffer.concat(out).toString() };
}

test('the wrapped command reports its shell PID on both streams first, then runs unchanged', () => {
  const result = spawnSync('sh', ['-c', withPidReport('echo out; echo err >&2; exit 7')], { encoding: 'buffer' });
  assert.equal(result.status, 7);
  assert.equal(filtered([result.stdout], 'stdout').out, 'out\n');
  const { pid, out } = filtered([result.stderr]);
  assert.ok(pid && pid > 1);
  assert.equal(out, 'err\n');
});

test('the marker is found even when it arrives byte by byte; output without one passes untouched', () => {
  const text = Buffer.from('\u001enb-pid:4242\nreal error\n');
  assert.deepEqual(filtered([...text].map((b) => Buffer.from([b]))), { pid: 4242, out: 'real error\n' });
  assert.deepEqual(filtered([Buffer.from('no marker here\n')]), { out: 'no marker here\n' });
  assert.deepEqual(filtered([Buffer.from('\u001enb-p')]), { out: '\u001enb-p' });
  assert.deepEqual(filtered([Buffer.from('\u001enb-pid:1\n')]), { out: '\u001enb-pid:1\n' }, 'pid 1 is never ours');
});

test('what a login shell prints before the marker is dropped, on stdout and stderr alike', () => {
  const text = Buffer.from('debug1: from sshd\r\nbashrc says hi\n\u001enb-pid:77\nafter\n');
  assert.deepEqual(filtered([text]), { pid: 77, out: 'after\n' });
  assert.deepEqual(filtered([...text].map((b) => Buffer.from([b]))), { pid: 77, out: 'after\n' });
  const stdout = Buffer.from('Welcome! @@nb probe 0\n\u001enb-out:77\n@@nb probe 1\n');
  assert.deepEqual(filtered([stdout], 'stdout'), { out: '@@nb probe 1\n' });
  // only the first marker is ours: a later one is the command's own output
  assert.deepEqual(filtered([Buffer.from('\u001enb-pid:5\n\u001enb-pid:6\n')]), { pid: 5, out: '\u001enb-pid:6\n' });
});

test('a real shell whose rc file prints on both streams: the command still sees only its own output', () => {
  const rc = "echo 'rc: hello'; echo 'rc: warning' >&2;";
  const result = spawnSync('sh', ['-c', `${rc} ${withPidReport('echo out; echo err >&2')}`], { encoding: 'buffer' });
  assert.equal(filtered([result.stdout], 'stdout').out, 'out\n');
  assert.equal(filtered([result.stderr]).out, 'err\n');
});

for (const shell of ['dash', 'bash']) {
  test(`the kill command takes a whole process group down (${shell})`, () => {
    // a process group of a shell and two sleeps, killed by the command the session would send
    const leader = execFileSync('sh', ['-c', 'setsid sh -c "sleep 60 & sleep 60" >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }).trim();
    const pgid = Number(leader);
    const members = () => execFileSync('sh', ['-c', `ps -o pid=,stat= -g ${pgid} | awk '$2 !~ /^Z/ { print $1 }' || true`], { encoding: 'utf8' }).trim();
    for (let i = 0; i < 50 && members().split('\n').length < 3; i++) execFileSync('sleep', ['0.02']);
    assert.equal(members().split('\n').length, 3, 'group is up');
    execFileSync(shell, ['-c', killProcessGroupCommand(pgid, 1000)]);
    assert.equal(members(), '');
  });
}
