// Regenerates the README's screenshots from a real run: the tmux end-to-end tests
// (test/lab/wizard-tmux.test.ts; install-hosts.test.ts for many machines) save the 80×24
// terminal at each screen (capture-pane -e, colours kept); each capture becomes HTML with Debian's `aha` and a PNG with headless Chromium.
// Needs root and the lab (as the test does), plus: apt-get install aha chromium.
// Usage: node scripts/media.mjs [--from DIR]   (--from: convert captures made earlier, no test run)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mediaDir = join(root, 'media');
/** The screens the README shows, in flow order, and the image of `nixos-bootstrap installer`. */
export const screens = ['discover', 'connect', 'disk', 'layout', 'hardware', 'keys', 'review', 'install', 'done'];
const pictures = [...screens.map((name) => [name, `wizard-${name}.png`]), ['installer', 'installer.png'], ['fleet-install', 'wizard-many-machines.png']];

const columns = 80;
const rows = 24;
const fontPx = 14;
const lineHeight = 1.3;
/** DejaVu Sans Mono advances 0.602 em per cell. */
const cellWidthPx = fontPx * 0.602;
const paddingPx = { x: 18, y: 14 };
const windowSize = {
  width: Math.ceil(columns * cellWidthPx + 2 * paddingPx.x),
  height: Math.ceil(rows * fontPx * lineHeight + 2 * paddingPx.y),
};

function need(command, pkg) {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) throw new Error(`${command} is missing: apt-get install ${pkg}`);
}

/** aha writes CSS colour names for the 16 ANSI colours; these read better on a dark terminal. */
const palette = [
  ['filter: contrast(70%) brightness(190%);color:dimgray;', 'color:#8b929c;'],
  ['color:white;background-color:black;', 'color:#1d1f21;background-color:#d0d0d0;'],
  ['background-color:black;', 'background-color:#d0d0d0;color:#1d1f21;'],
  ['color:dimgray;', 'color:#8b929c;'],
  ['color:green;', 'color:#98c379;'],
  ['color:teal;', 'color:#56b6c2;'],
  ['color:purple;', 'color:#c678dd;'],
  ['color:olive;', 'color:#e5c07b;'],
  ['color:red;', 'color:#e06c75;'],
  ['color:blue;', 'color:#61afef;'],
];

function html(ansi, title) {
  let body = execFileSync('aha', ['--no-header'], { input: ansi, encoding: 'utf8' });
  for (const [from, to] of palette) body = body.split(from).join(to);
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title><style>
html, body { margin: 0; background: #1d1f21; }
.term { box-sizing: border-box; width: ${windowSize.width}px; height: ${windowSize.height}px; padding: ${paddingPx.y}px ${paddingPx.x}px;
  color: #d0d0d0; background: #1d1f21; font: ${fontPx}px/${lineHeight} 'DejaVu Sans Mono', monospace; white-space: pre; overflow: hidden; }
</style></head><body><div class="term">${body}</div></body></html>
`;
}

function screenshot(htmlFile, pngFile) {
  const profile = mkdtempSync(join(tmpdir(), 'nb-chromium-'));
  try {
    const result = spawnSync(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--hide-scrollbars',
        '--force-device-scale-factor=2',
        `--window-size=${windowSize.width},${windowSize.height}`,
        `--screenshot=${pngFile}`,
        `file://${htmlFile}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (!existsSync(pngFile)) throw new Error(`chromium made no screenshot: ${result.stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** `nixos-bootstrap installer` as a user runs it: their own key, a fresh config (none of this machine's). */
export function captureInstallerCommand(capturesDir) {
  const home = mkdtempSync(join(tmpdir(), 'nb-media-home-'));
  try {
    mkdirSync(join(home, '.ssh'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@laptop', '-f', join(home, '.ssh', 'id_ed25519')]);
    const env = { PATH: '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local/state') };
    const args = ['installer', '--name', 'rack'];
    const output = execFileSync(process.execPath, [join(root, 'dist/cli.js'), ...args], { cwd: home, env, encoding: 'utf8' });
    const prompt = `\x1b[1m$ nixos-bootstrap ${args.join(' ')}\x1b[0m\n`;
    writeFileSync(join(capturesDir, 'installer.ansi'), prompt + output.split(home).join('~'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export function convert(capturesDir, outDir = mediaDir) {
  need('aha', 'aha');
  need('chromium', 'chromium');
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'nb-media-'));
  const made = [];
  try {
    for (const [name, file] of pictures) {
      const capture = join(capturesDir, `${name}.ansi`);
      if (!existsSync(capture)) continue;
      const htmlFile = join(work, `${name}.html`);
      writeFileSync(htmlFile, html(readFileSync(capture, 'utf8'), `nixos-bootstrap: ${name}`));
      const png = join(outDir, file);
      rmSync(png, { force: true });
      screenshot(htmlFile, png);
      made.push(png);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return made;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fromIndex = process.argv.indexOf('--from');
  let captures = fromIndex > 0 ? process.argv[fromIndex + 1] : undefined;
  let cleanup = false;
  if (!captures) {
    captures = mkdtempSync(join(tmpdir(), 'nb-captures-'));
    cleanup = true;
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
    const env = { ...process.env, NB_MEDIA_CAPTURES: captures };
    delete env.CI;
    // The many-machines install screen comes from the --hosts lab test.
    const tests = ['test/lab/wizard-tmux.test.ts', 'test/lab/install-hosts.test.ts'];
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...tests], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    if (run.status !== 0) throw new Error('the tmux end-to-end test failed: no screenshots made');
    captureInstallerCommand(captures);
  }
  try {
    const made = convert(captures);
    if (made.length === 0) throw new Error(`no captures in ${captures} (${readdirSync(captures).join(', ') || 'empty'})`);
    for (const file of made) process.stdout.write(`${file}\n`);
  } finally {
    if (cleanup) rmSync(captures, { recursive: true, force: true });
  }
}
