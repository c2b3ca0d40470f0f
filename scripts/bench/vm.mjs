// VM installer boot, as information: `lab up --vm` (cached kernel/initramfs) to SSH, against a
// netns installer's `lab up` measured in the same run.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const cli = new URL('../../dist/cli.js', import.meta.url).pathname;
const lab = (...args) => {
  const result = spawnSync(process.execPath, [cli, 'lab', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`lab ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

function timedUp(id, args) {
  lab('down', '--id', id);
  const started = performance.now();
  lab('up', '--id', id, ...args);
  const ms = performance.now() - started;
  const state = JSON.parse(lab('status', '--id', id, '--json'));
  lab('down', '--id', id);
  return { ms, state };
}

export async function benchVm({ runs = 3 } = {}) {
  const netns = [];
  const vm = [];
  for (let i = 0; i < runs; i += 1) {
    netns.push(timedUp('nbbn', []).ms);
    const { ms, state } = timedUp('nbbv', ['--vm']);
    vm.push({ ms, boot: state.vm.bootMs, prepare: state.vm.prepareMs ?? 0 });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const netnsMs = median(netns);
  return {
    'lab up, one netns installer (reference)': { ms: netnsMs },
    'lab up --vm (cached base): whole command': { ms: median(vm.map((v) => v.ms)), ratio: median(vm.map((v) => v.ms)) / netnsMs },
    'VM: qemu start → SSH answers': { ms: median(vm.map((v) => v.boot)) },
    'VM: prepare (cache check + config archive)': { ms: median(vm.map((v) => v.prepare)) },
  };
}
