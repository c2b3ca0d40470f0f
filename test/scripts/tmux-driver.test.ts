// The terminal tests' tmux keeps its socket in a directory of its own and removes it: nothing is
// left in the shared /tmp/tmux-UID (tmux makes that directory when it falls back to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TmuxTerminal, tmuxDir } from '../../scripts/tmux-driver.mjs';

test('a terminal’s socket lives in its own directory, gone after stop; /tmp/tmux-UID is not touched', () => {
  const shared = join(tmpdir(), `tmux-${process.getuid?.() ?? 0}`);
  const sharedBefore = existsSync(shared) ? readdirSync(shared) : undefined;
  const terminal = new TmuxTerminal('nb-driver-test');
  try {
    terminal.start(['sleep', '30']);
    assert.ok(existsSync(join(tmuxDir('nb-driver-test'), `tmux-${process.getuid?.() ?? 0}`, 'nb-driver-test')));
    assert.equal(terminal.screen().split('\n').length, 25);
  } finally {
    terminal.stop();
  }
  assert.equal(existsSync(tmuxDir('nb-driver-test')), false);
  assert.deepEqual(existsSync(shared) ? readdirSync(shared) : undefined, sharedBefore);
});
