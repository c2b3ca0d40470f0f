// The engine both front ends start runs with, driven directly over a scripted session: what it
// logs, what it skips on a retry, what it undoes on a stop, and that no secret reaches the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../../source/core/install/events.js';
import { Journal } from '../../../source/core/install/journal.js';
import { startRun } from '../../../source/core/install/start.js';
import { plan } from '../../../source/core/plan/plan.js';
import type { Session } from '../../../source/core/ssh/types.js';
import { scratchStateHome } from '../../ui/helpers/state-home.js';
import { ScriptedSession } from './helpers/scripted-session.js';
import { choices, facts, luks } from '../plan/fixtures.js';

const work = scratchStateHome('nb-start-');

const passphrase = 'start-test passphrase 47';

const luksPlan = () => plan(facts(), choices({ ageKey: null, finish: 'none', layout: { kind: 'labels', efiSizeMiB: 512, swapSizeMiB: 0, luks } }));
const journalFor = (session: Session, p = luksPlan()) => Journal.start({ target: session.target, fingerprint: session.fingerprint, choices: p.choices });

test('every event goes to the log (0600) and then to the renderer; the journal records the log', async () => {
  const session = new ScriptedSession((command) => (command.includes('nixos-install') ? { stdout: `building…\nleaked ${passphrase}\n` } : {}));
  const events: RunEvent[] = [];
  const p = luksPlan();
  const journal = await journalFor(session, p);
  const run = await startRun({
    plan: p,
    session,
    secrets: { 'luks-passphrase': passphrase },
    journal,
    resume: false,
    logPath: join(work, 'one.log'),
    onEvent: (e) => events.push(e),
  });
  assert.deepEqual(await run.outcome, { status: 'done' });
  assert.equal(journal.value.logFile, join(work, 'one.log'));
  assert.equal(statSync(run.logPath).mode & 0o777, 0o600);
  const log = readFileSync(run.logPath, 'utf8');
  const logLines = events.reduce((sum, e) => sum + (e.type === 'output' ? e.lines.length : 1), 0);
  assert.equal(log.trim().split('\n').length, logLines, 'one log line per event, and per line of output');
  assert.match(log, /building…/);
  assert.ok(!log.includes(passphrase) && !JSON.stringify(events).includes(passphrase), 'a secret in remote output was not redacted');
  assert.deepEqual(
    journal.value.completed,
    p.phases.map((phase) => phase.id),
  );
});

test('a retry after a failure resumes: the phases the journal and the target agree on are skipped', async () => {
  let failInstall = true;
  const session = new ScriptedSession((command) => (command.includes('nixos-install') && failInstall ? { code: 1, stdout: 'error: out of space\n' } : {}));
  const events: RunEvent[] = [];
  const p = luksPlan();
  const run = await startRun({
    plan: p,
    session,
    secrets: { 'luks-passphrase': passphrase },
    journal: await journalFor(session, p),
    resume: false,
    logPath: join(work, 'two.log'),
    onEvent: (e) => events.push(e),
  });
  const first = await run.outcome;
  assert.equal(first.status, 'failed');
  failInstall = false;
  const again = run.retry();
  assert.deepEqual(await again.outcome, { status: 'done' });
  assert.equal(again.attempt, 2);
  const skipped = events.filter((e) => e.type === 'phase-skip').map((e) => (e as { id: string }).id);
  assert.deepEqual(skipped, ['partition', 'luks-format', 'luks-open', 'format', 'mount']);
});

test('a stop undoes this run’s mappings and mounts, newest first, and says so', async () => {
  const during: { mkfs?: () => void } = {};
  const session = new ScriptedSession(async (command) => {
    if (command.startsWith('mkfs.vfat')) during.mkfs!();
    return {};
  });
  const events: RunEvent[] = [];
  const p = luksPlan();
  const run = await startRun({
    plan: p,
    session,
    secrets: { 'luks-passphrase': passphrase },
    journal: await journalFor(session, p),
    resume: false,
    logPath: join(work, 'three.log'),
    onEvent: (e) => events.push(e),
  });
  during.mkfs = () => {
    assert.throws(() => run.retry(), /only once it has ended/, 'a run still going cannot be retried');
    run.abort();
  };
  const outcome = await run.outcome;
  assert.equal(outcome.status, 'aborted');
  assert.ok(run.aborting);
  const cleanups = session.commands.slice(session.commands.findIndex((c) => c.startsWith('mkfs.vfat')) + 1);
  assert.ok(
    cleanups.some((c) => c.includes('cryptsetup close cryptroot')),
    cleanups.join('\n'),
  );
  assert.ok(!cleanups.some((c) => c.startsWith('nixos-install')), 'the install ran after the stop');
  assert.match((events.at(-1) as { message: string }).message, /mounts and mappings made by this run were undone/);
});
