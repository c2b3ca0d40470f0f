// Start-up cost of the CLI: --version and --help against bare `node -e 0` measured in the same run.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const cli = new URL('../../dist/cli.js', import.meta.url).pathname;

function medianMs(argv, runs) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, argv, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${argv.join(' ')} exited with ${result.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function benchStartup({ runs = 15 } = {}) {
  const node = medianMs(['-e', '0'], runs);
  const version = medianMs([cli, '--version'], runs);
  const help = medianMs([cli, '--help'], runs);
  return {
    'node -e 0 (reference)': { ms: node },
    'nixos-bootstrap --version': { ms: version, ratio: version / node },
    'nixos-bootstrap --help': { ms: help, ratio: help / node },
  };
}
