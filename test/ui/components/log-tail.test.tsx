import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { LogTail } from '../../../source/ui/components/LogTail.js';
import type { TailLine } from '../../../source/ui/run/tail-lines.js';
import { ThemeContext, plainTheme } from '../../../source/ui/theme.js';

const draw = (tail: TailLine[], lines: number, columns: number) => {
  const app = render(
    <ThemeContext.Provider value={plainTheme}>
      <LogTail tail={tail} lines={lines} columns={columns} />
    </ThemeContext.Provider>,
  );
  const frame = app.lastFrame() ?? '';
  app.unmount();
  return frame.split('\n');
};

test('the tail is exactly as tall as asked: the newest lines, output indented under its command', () => {
  const tail: TailLine[] = [
    { kind: 'stdout', text: 'old' },
    { kind: 'command', text: '$ nixos-install' },
    { kind: 'stdout', text: 'copying path 1' },
    { kind: 'stderr', text: 'warning: x' },
  ];
  assert.deepEqual(draw(tail, 3, 40), ['$ nixos-install', '  copying path 1', '  warning: x']);
  assert.equal(draw(tail.slice(0, 1), 3, 40).length, 3, 'padded to its height');
});

test('a long line is cut to the width before Ink sees it: no wrapping, no ellipsis, control sequences gone', () => {
  const long = `copying path '/nix/store/${'0'.repeat(32)}-lab-package' from 'https://cache.nixos.org'...`;
  const shown = draw(
    [
      { kind: 'command', text: `$ ${long}` },
      { kind: 'stdout', text: `\u001b[32m${long}\u001b[0m` },
      { kind: 'note', text: 'Stopping after the running command…' },
    ],
    3,
    30,
  );
  // Text that is not plain ASCII is still cut by Ink, which measures it.
  assert.deepEqual(shown, [`$ ${long}`.slice(0, 30), `  ${long.slice(0, 28)}`, 'Stopping after the running co…']);
});
