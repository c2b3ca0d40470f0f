// The check scheduler with fake key exchanges: no sockets, a fake clock.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PlaceChecks,
  defaultCheckConcurrency,
  defaultRetryAfterMs,
  defaultSameMachineWaitMs,
  type Place,
} from '../../../source/core/discovery/place-checks.js';

let nowMs = 0;
const now = () => nowMs;
function advance(ms: number): void {
  nowMs += ms;
  mock.timers.tick(ms);
}
/** Lets promise callbacks (a check that ended) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => {
  nowMs = 0;
  mock.timers.enable({ apis: ['setTimeout'] });
});
afterEach(() => mock.timers.reset());

interface FakeCheck {
  place: Place;
  learnedMac: (mac: string) => void;
  resolve: (mac?: string) => void;
  reject: (error: Error) => void;
}

/** Checks that end when the test says so. */
function manualChecks(options: Partial<ConstructorParameters<typeof PlaceChecks>[0]> = {}) {
  const started: FakeCheck[] = [];
  const changes: string[] = [];
  const checks = new PlaceChecks({
    now,
    check: (place, learnedMac) => new Promise((resolve, reject) => started.push({ place, learnedMac, resolve: (mac) => resolve(mac ? { mac } : {}), reject })),
    onChange: (place) => changes.push(`${place.address}%${place.interface} ${place.state}`),
    ...options,
  });
  return { checks, started, changes, startedAddresses: () => started.map((s) => `${s.place.address}%${s.place.interface}`) };
}

test('places are checked in the order they arrive, a bounded number at once, each reported when its own check ends', async () => {
  const { checks, started, changes, startedAddresses } = manualChecks({ concurrency: 2 });
  for (let i = 1; i <= 5; i += 1) checks.offer({ address: 'fe80::47', interface: `inst${i}`, port: 22 });
  assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::47%inst2']);

  // The second ends first: it is out at once, and the next in line takes its turn.
  started[1]!.resolve('52:54:00:47:00:02');
  await settle();
  assert.ok(changes.includes('fe80::47%inst2 ok'));
  assert.ok(!changes.includes('fe80::47%inst1 ok'));
  assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::47%inst2', 'fe80::47%inst3']);

  started[0]!.reject(new Error('connection refused'));
  await settle();
  assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::47%inst2', 'fe80::47%inst3', 'fe80::47%inst4']);
  const failed = checks.all().find((p) => p.interface === 'inst1')!;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.reason, 'connection refused');
  assert.equal(checks.all().filter(PlaceChecks.isPending).length, 3);
});

/**
 * Fake installers that share two cores, as the lab's do (and as VMs on one laptop do): each
 * key exchange needs `workMs` of CPU, and the running ones split the cores evenly.
 */
async function sharedCpuRun(installers: number, concurrency?: number): Promise<{ firstMs: number; allMs: number }> {
  const cores = 2;
  const workMs = 100;
  const startMs = nowMs;
  const jobs: { left: number; done: () => void }[] = [];
  const verifiedAt: number[] = [];
  const checks = new PlaceChecks({
    now,
    ...(concurrency === undefined ? {} : { concurrency }),
    check: (place) => new Promise((resolve) => jobs.push({ left: workMs, done: () => resolve({ mac: `52:54:00:47:00:0${place.interface!.slice(4)}` }) })),
    onChange: (place) => {
      if (place.state === 'ok') verifiedAt.push(nowMs - startMs);
    },
  });
  for (let i = 1; i <= installers; i += 1) checks.offer({ address: 'fe80::47', interface: `inst${i}`, port: 22 });
  while (verifiedAt.length < installers && nowMs - startMs < 10_000) {
    const share = Math.min(1, cores / jobs.length);
    for (const job of jobs) job.left -= share;
    for (const job of jobs.filter((j) => j.left <= 1e-9)) {
      jobs.splice(jobs.indexOf(job), 1);
      job.done();
    }
    advance(1);
    await settle();
  }
  checks.stop();
  return { firstMs: verifiedAt[0]!, allMs: verifiedAt.at(-1)! };
}

test('with installers sharing two cores, the first is verified as soon with eight as with one', async () => {
  const one = await sharedCpuRun(1);
  const eight = await sharedCpuRun(8);
  assert.ok(eight.firstMs <= one.firstMs + 2, `first of 8 after ${eight.firstMs} ms, of 1 after ${one.firstMs} ms`);
  // Bounding them costs the last one nothing: the cores were busy all along.
  assert.ok(eight.allMs <= (8 * 100) / 2 + 10, `all 8 after ${eight.allMs} ms`);
  // What every check at once did: the first result only just before the last.
  const unbounded = await sharedCpuRun(8, Infinity);
  assert.ok(unbounded.firstMs >= 350, `unbounded: first after ${unbounded.firstMs} ms`);
  assert.ok(defaultCheckConcurrency <= 4);
});

test('an address of a machine already verified on that link is not checked again', async () => {
  const { checks, started, changes, startedAddresses } = manualChecks();
  checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
  // Its EUI-64 address: the MAC is known up front, and may be the same machine as fe80::47.
  checks.offer({ address: 'fe80::5054:ff:fe47:1', interface: 'inst1', port: 22, mac: '52:54:00:47:00:01' });
  // Another link's fe80::47 does not wait behind it.
  checks.offer({ address: 'fe80::47', interface: 'inst2', port: 22 });
  assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::47%inst2']);
  started[0]!.resolve('52:54:00:47:00:01');
  await settle();
  assert.ok(changes.includes('fe80::5054:ff:fe47:1%inst1 ok'));
  assert.equal(started.length, 2);
  // Seen again later (another ping round): still not checked.
  checks.offer({ address: 'fe80::5054:ff:fe47:1', interface: 'inst1', port: 22, mac: '52:54:00:47:00:01' });
  assert.equal(started.length, 2);
});

test('a place waits for a possible twin only until that check ends or the wait passes', async () => {
  // The running check turns out to be another machine: the waiting place is checked right away.
  {
    const { checks, started, startedAddresses } = manualChecks();
    checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
    checks.offer({ address: 'fe80::5054:ff:fe47:2', interface: 'inst1', port: 22, mac: '52:54:00:47:00:02' });
    assert.deepEqual(startedAddresses(), ['fe80::47%inst1']);
    started[0]!.resolve('52:54:00:47:00:01');
    await settle();
    assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::5054:ff:fe47:2%inst1']);
  }
  // Its MAC, learned once TCP connected, says it is another machine: no need to wait for the key exchange.
  {
    const { checks, started, startedAddresses } = manualChecks();
    checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
    checks.offer({ address: 'fe80::5054:ff:fe47:2', interface: 'inst1', port: 22, mac: '52:54:00:47:00:02' });
    checks.offer({ address: 'fe80::5054:ff:fe47:1', interface: 'inst1', port: 22, mac: '52:54:00:47:00:01' });
    started[0]!.learnedMac('52:54:00:47:00:01');
    assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::5054:ff:fe47:2%inst1']);
    started[0]!.resolve('52:54:00:47:00:01');
    await settle();
    assert.equal(checks.all().find((p) => p.address === 'fe80::5054:ff:fe47:1')!.state, 'ok');
    assert.equal(started.length, 2);
  }
  // The running check hangs (a tarpit at fe80::47): the waiting place goes after the wait.
  {
    const { checks, startedAddresses } = manualChecks();
    checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
    advance(50);
    checks.offer({ address: 'fe80::5054:ff:fe47:1', interface: 'inst1', port: 22, mac: '52:54:00:47:00:01' });
    advance(defaultSameMachineWaitMs - 51);
    assert.deepEqual(startedAddresses(), ['fe80::47%inst1']);
    advance(1);
    assert.deepEqual(startedAddresses(), ['fe80::47%inst1', 'fe80::5054:ff:fe47:1%inst1']);
  }
});

test('a failed place is checked again when seen anew after the retry time, not before', async () => {
  const { checks, started } = manualChecks();
  const offer = { address: 'fe80::47', interface: 'inst1', port: 22, probe: 'ndp' as const };
  checks.offer(offer);
  started[0]!.reject(new Error('connection refused'));
  await settle();
  checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
  assert.equal(started.length, 1);
  advance(defaultRetryAfterMs);
  checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
  assert.equal(started.length, 2);
  // Still known as the probe that found it, for the "nothing found" hint.
  assert.equal(started[1]!.place.probe, 'ndp');
});

test('after stop() nothing more starts', async () => {
  const { checks, started } = manualChecks({ concurrency: 1 });
  checks.offer({ address: 'fe80::47', interface: 'inst1', port: 22 });
  checks.offer({ address: 'fe80::47', interface: 'inst2', port: 22 });
  checks.stop();
  started[0]!.reject(new Error('stopped'));
  await settle();
  checks.offer({ address: 'fe80::47', interface: 'inst3', port: 22 });
  assert.equal(started.length, 1);
});
