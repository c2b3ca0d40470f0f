// Run inside the lab laptop by scripts/bench/discovery.mjs, bundled as dist/ is: discovery in a
// process that is already running (the wizard's case), timed from the discover() call, not
// from node's start.
import { discover } from '../../source/core/discovery/discover.js';

const started = performance.now();
let firstAnswerMs = -1;
const discovery = discover({
  timeoutMs: 2000,
  trace: (note) => {
    if (firstAnswerMs < 0 && note.startsWith('seen mdns')) firstAnswerMs = performance.now() - started;
  },
});
for await (const update of discovery) {
  if (update.settled) {
    process.stdout.write(`${JSON.stringify({ firstListedMs: performance.now() - started, firstAnswerMs })}\n`);
    discovery.stop();
    break;
  }
}
