// The first screen: a live list that fills as installers are verified, rescan, manual entry,
// and a useful account when nothing answers. The LAN is faked (a unit test has none).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeDiscovery, candidate } from '../helpers/fakes.js';
import { keys, mountWizard } from '../helpers/wizard.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** The wizard on Discover over a faked LAN, searching. Each discovery it starts is in `started`;
 * a picked installer's host key scan records its target in `scans` and then never answers. */
async function discoverScreen() {
  const started: FakeDiscovery[] = [];
  const scans: unknown[] = [];
  const ui = mountWizard({
    services: {
      discover: async () => {
        const fake = new FakeDiscovery();
        started.push(fake);
        return fake.handle;
      },
      scanHostKey: (target) => {
        scans.push(target);
        return new Promise(() => {});
      },
    },
  });
  cleanup = ui.cleanup;
  await ui.waitFor((frame) => frame.includes('Searching') && started.length === 1);
  return { ui, started, scans };
}

test('rows appear as installers are verified, with name, best address, short key and MAC', async () => {
  const { ui, started } = await discoverScreen();
  await ui.waitFor('Searching the LAN');
  started[0]!.add(candidate(1));
  let frame = await ui.waitFor('bootstrap.local');
  assert.match(frame, /❯ bootstrap\.local\s+fe80::47%eth1 \+1\s+1111AbCdEf…\s+52:54:00:47:00:01/);
  started[0]!.add(candidate(2, { addresses: [{ address: '10.0.0.7', interface: 'eth2', via: 'mdns' }] }));
  frame = await ui.waitFor('bootstrap-2.local');
  assert.match(frame, /bootstrap-2\.local\s+10\.0\.0\.7\s/);
  started[0]!.end();
  frame = await ui.waitFor('Found 2 installers');
  assert.match(frame, /↑↓ choose · Enter connect · r rescan · m address/);
});

test('arrow down and Enter pick the second installer; discovery stops and Connect starts', async () => {
  const { ui, started, scans } = await discoverScreen();
  started[0]!.add(candidate(1));
  started[0]!.add(candidate(2, { addresses: [{ address: '10.0.0.7', interface: 'eth2', via: 'mdns' }] }));
  await ui.waitFor('bootstrap-2.local');
  await ui.press(keys.down);
  await ui.waitFor(/❯ bootstrap-2\.local/);
  await ui.press(keys.enter);
  // The host key scan starts in an effect after the screen's first frame.
  await ui.waitFor((frame) => frame.includes('Connect to root@10.0.0.7') && scans.length === 1);
  assert.equal(started[0]!.stopped, true, 'discovery goes on after a pick');
  // IPv4 carries no zone even when mDNS saw it on an interface.
  assert.deepEqual(scans, [{ host: '10.0.0.7', port: 22, user: 'root' }]);
});

test('the highlight stays on its installer while others appear, and Enter connects to it', async () => {
  const { ui, started, scans } = await discoverScreen();
  started[0]!.add(candidate(1));
  started[0]!.add(candidate(2, { addresses: [{ address: '10.0.0.7', via: 'mdns' }] }));
  await ui.waitFor('bootstrap-2.local');
  await ui.press(keys.down);
  await ui.waitFor(/❯ bootstrap-2\.local/);
  started[0]!.add(candidate(3));
  const frame = await ui.waitFor('bootstrap-3.local');
  assert.match(frame, /❯ bootstrap-2\.local/, 'a new row does not move the highlight');
  await ui.press(keys.enter);
  await ui.waitFor((text) => text.includes('Connect to root@10.0.0.7') && scans.length === 1);
  assert.deepEqual(scans, [{ host: '10.0.0.7', port: 22, user: 'root' }]);
});

test('↓ and Enter read together (a busy event loop, a paste) connect to the row ↓ moved to', async () => {
  const { ui, started, scans } = await discoverScreen();
  started[0]!.add(candidate(1));
  started[0]!.add(candidate(2, { addresses: [{ address: '10.0.0.9', via: 'mdns' }] }));
  await ui.waitFor('bootstrap-2.local');
  await ui.press(keys.down + keys.enter);
  await ui.waitFor((text) => text.includes('Connect to root@10.0.0.9') && scans.length === 1);
  assert.deepEqual(scans, [{ host: '10.0.0.9', port: 22, user: 'root' }]);
});

test('r searches again with a fresh list', async () => {
  const { ui, started } = await discoverScreen();
  started[0]!.add(candidate(1));
  started[0]!.end();
  await ui.waitFor('Found 1 installer');
  await ui.press('r');
  await ui.waitFor((frame) => started.length === 2 && frame.includes('Searching') && !frame.includes('bootstrap.local'));
  started[1]!.add(candidate(3));
  await ui.waitFor('bootstrap-3.local');
});

test('nothing found: says what was tried and the likely causes, and offers manual entry', async () => {
  const { ui, started } = await discoverScreen();
  started[0]!.end({ unanswered: [{ address: 'fe80::47', interface: 'eth0', via: 'ndp', reason: 'connection refused on port 22' }] });
  const frame = await ui.waitFor('likely causes');
  assert.match(frame, /No installer answered/);
  assert.match(frame, /tried mDNS bootstrap\.local, nixos\.local, nixos-installer\.local/);
  assert.match(frame, /pinged ff02::1 and checked fe80::47 port 22 on eth0/);
  assert.match(frame, /seen fe80::47%eth0 \(ndp\), but no SSH: connection refused/);
  assert.match(frame, /no installer yet\? nixos-bootstrap installer makes one/);
  assert.match(frame, /m address/);
});

test('m: a typed address is checked (a link-local without interface is refused), then used', async () => {
  const { ui, scans } = await discoverScreen();
  await ui.press('m');
  await ui.waitFor('Address:');
  await ui.type('root@fe80::47');
  await ui.press(keys.enter);
  await ui.waitFor('link-local address fe80::47 needs its interface');
  await ui.press(...Array(13).fill(keys.backspace));
  await ui.type('admin@[fe80::47%eth3]:2222');
  await ui.press(keys.enter);
  await ui.waitFor((frame) => frame.includes('Connect to admin@[fe80::47%eth3]:2222') && scans.length === 1);
  assert.deepEqual(scans, [{ host: 'fe80::47', interface: 'eth3', port: 2222, user: 'admin' }]);
});

test('m: Backspaces read in one chunk (a held key over SSH) each erase a character', async () => {
  const { ui, scans } = await discoverScreen();
  await ui.press('m');
  await ui.waitFor('Address:');
  await ui.type('root@10.0.0.7xyz');
  await ui.waitFor('Address: root@10.0.0.7xyz');
  // One write: Ink passes the three bytes to the field as one input, "\x7f\x7f\x7f".
  ui.stdin.write(keys.backspace.repeat(3));
  await ui.waitFor((frame) => frame.includes('Address: root@10.0.0.7') && !frame.includes('xyz'));
  await ui.press(keys.enter);
  await ui.waitFor((frame) => frame.includes('Connect to root@10.0.0.7') && scans.length === 1);
  assert.deepEqual(scans, [{ host: '10.0.0.7', port: 22, user: 'root' }]);
});

test('Esc closes the manual entry without leaving the screen', async () => {
  const { ui } = await discoverScreen();
  await ui.press('m');
  await ui.waitFor('Address:');
  await ui.press(keys.escape);
  await ui.waitFor((frame) => !frame.includes('Address:') && frame.includes('Searching'));
});

test('a discovery that cannot start (bad --interface) is shown, not thrown', async () => {
  const ui = mountWizard({
    services: {
      discover: async () => {
        throw new Error("no network interface named 'wlan9'");
      },
    },
  });
  cleanup = ui.cleanup;
  await ui.waitFor("Discovery failed: no network interface named 'wlan9'");
});
