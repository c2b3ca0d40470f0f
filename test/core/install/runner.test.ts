// The runner over a scripted target: a phase that runs again is un-marked until it finishes
// again, and no secret of any kind reaches an event, whether a command echoes it or fails on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../../source/core/install/events.js';
import { Journal } from '../../../source/core/install/journal.js';
import { runPlan } from '../../../source/core/install/runner.js';
import { plan } from '../../../source/core/plan/plan.js';
import type { Secrets } from '../../../source/core/plan/types.js';
import { choices, facts, luks } from '../plan/fixtures.js';
import { scratchStateHome } from '../../ui/helpers/state-home.js';
import { ScriptedSession } from './helpers/scripted-session.js';

scratchStateHome('nb-runner-');

const secrets: Secrets = {
  'luks-passphrase': 'runner passphrase 47',
  'age-identity': '# public key: age1x\nAGE-SECRET-KEY-1RUNNERTESTIDENTITY\n',
  'host-key': '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n',
};
// The key material itself (a PEM armour line or an age comment is not secret).
const secretLines = Object.values(secrets)
  .flatMap((s) => s!.split('\n'))
  .filter((line) => line.length > 12 && !line.startsWith('-----') && !line.startsWith('# '));

test('a phase the journal has as done but the target does not is run again, and is not done until it finishes again', async () => {
  const thePlan = plan(facts(), choices({ ageKey: null, finish: 'none' }));
  const session = new ScriptedSession((command) =>
    command.startsWith('sgdisk -n') ? { code: 4, stderr: 'sgdisk: disk busy' } : command.includes('sfdisk --part-label') ? { code: 1 } : {},
  );
  const journal = await Journal.start({ target: session.target, fingerprint: session.fingerprint, choices: thePlan.choices });
  await journal.markDone('partition');
  const events: RunEvent[] = [];
  const outcome = await runPlan({ plan: thePlan, session, secrets: {}, journal, emit: (e) => events.push(e), resume: true });
  assert.deepEqual(outcome.status, 'failed');
  assert.ok(!events.some((e) => e.type === 'phase-skip'), 'its done-check failed, so it ran again');
  assert.deepEqual(journal.value.completed, [], 'un-marked when it started again');
  assert.deepEqual((await Journal.load(session.fingerprint))!.value.completed, [], 'and saved so');
});

test('every secret kind, echoed on stdout or stderr or quoted in a failure, reaches no event', async () => {
  const thePlan = plan(
    facts(),
    choices({ finish: 'none', layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 0, luks }, hostKey: { publicKey: 'ssh-ed25519 AAAA', type: 'ed25519' } }),
  );
  // A careless target: every command prints what it read on stdin, on both streams; the age
  // hand-off then fails, quoting it.
  const session = new ScriptedSession((command, options) => {
    const input = options.stdin ? options.stdin.toString() : '';
    if (command.includes('/etc/age')) return { code: 1, stdout: input, stderr: `cannot write: ${input}` };
    return { stdout: input, stderr: input };
  });
  const journal = await Journal.start({ target: session.target, fingerprint: session.fingerprint, choices: thePlan.choices });
  const events: RunEvent[] = [];
  const outcome = await runPlan({ plan: thePlan, session, secrets, journal, emit: (e) => events.push(e) });
  assert.equal(outcome.status, 'failed');
  const text = JSON.stringify(events) + JSON.stringify(outcome);
  for (const line of secretLines) assert.ok(!text.includes(line), `a secret line reached an event: ${line.slice(0, 12)}…`);
  assert.match(text, /<redacted/);
  const inputs = session.commands.length;
  assert.ok(inputs > 5, 'the phases ran');
});
