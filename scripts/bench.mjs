// npm run bench: every figure is measured in this run, with a reference measured alongside it,
// and reported as a ratio to that reference. Lab parts need root (they bring up their own labs).
import { benchStartup } from './bench/startup.mjs';

const sections = [['start-up', () => benchStartup()]];
const optional = [
  ['discovery (lab)', './bench/discovery.mjs', 'benchDiscovery'],
  ['wizard (lab)', './bench/ui.mjs', 'benchUi'],
  ['VM installer (lab)', './bench/vm.mjs', 'benchVm'],
  ['engine (lab)', './bench/engine.mjs', 'benchEngine'],
  ['many machines (lab)', './bench/fleet.mjs', 'benchFleet'],
];
const only = process.argv.slice(2);
for (const [name, path, exported] of optional) {
  sections.push([name, async () => (await import(path))[exported]()]);
}

const format = (value) => (typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : String(value));
let failed = false;
for (const [name, run] of sections) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  process.stdout.write(`\n## ${name}\n`);
  try {
    const figures = await run();
    for (const [label, values] of Object.entries(figures)) {
      const parts = typeof values === 'object' ? Object.entries(values).map(([k, v]) => `${k} ${format(v)}`) : [`ms ${format(values)}`];
      process.stdout.write(`  ${label.padEnd(48)} ${parts.join('  ')}\n`);
    }
  } catch (error) {
    failed = true;
    process.stdout.write(`  failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
