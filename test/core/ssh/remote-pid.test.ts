import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { PidReportFilter, killProcessGroupCommand, withPidReport } from '../../../source/core/ssh/remote-pid.js';

function filtered(chunks: Buffer[]): { pid?: number; out: string } {
  let pid: number | undefined;
  const out: Buffer[] = [];
  const filter = new PidReportFilter((p) => (pid = p), (chunk) => out.push(chunk));
  for (const chunk of chunks) filter.push(chunk);
  filter.end();
  return { ...(pid !== undefined ? { pid } : {}), out: Buffer.concat(out).toString() };
}

test('the wrapped command reports its shell PID on stderr first, then runs unchanged', () => {
  const result = spawnSync('sh', ['-c', withPidReport('echo out; echo err >&2; exit 7')], { encoding: 'buffer' });
  assert.equal(result.status, 7);
  assert.equal(result.stdout.toString(), 'out\n');
  const { pid, out } = filtered([result.stderr]);
  assert.ok(pid && pid > 1);
  assert.equal(out, 'err\n');
});

test('the marker is found even when it arrives byte by byte; other stderr passes untouched', () => {
  const text = Buffer.from('\u001enb-pid:4242\nreal error\n');
  assert.deepEqual(filtered([...text].map((b) => Buffer.from([b]))), { pid: 4242, out: 'real error\n' });
  assert.deepEqual(filtered([Buffer.from('no marker here\n')]), { out: 'no marker here\n' });
  assert.deepEqual(filtered([Buffer.from('\u001enb-p')]), { out: '\u001enb-p' });
  assert.deepEqual(filtered([Buffer.from('\u001enb-pid:1\n')]), { out: '\u001enb-pid:1\n' }, 'pid 1 is never ours');
});

test('lines a login shell prints before the marker pass through in order', () => {
  const text = Buffer.from('debug1: from sshd\r\nbashrc says hi\n\u001enb-pid:77\nafter\n');
  assert.deepEqual(filtered([text]), { pid: 77, out: 'debug1: from sshd\r\nbashrc says hi\nafter\n' });
  const pieces = [...text].map((b) => Buffer.from([b]));
  assert.deepEqual(filtered(pieces), { pid: 77, out: 'debug1: from sshd\r\nbashrc says hi\nafter\n' });
  // only the first marker is ours: a later one is the command's own output
  assert.deepEqual(filtered([Buffer.from('\u001enb-pid:5\n\u001enb-pid:6\n')]), { pid: 5, out: '\u001enb-pid:6\n' });
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
