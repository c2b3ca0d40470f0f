import { test } from 'node:test';
import { fixtureFacts, FakeDiscovery, candidate } from './helpers/fakes.js';
import { keys, mountWizard } from './helpers/wizard.js';
test('view', async () => {
  const ui = mountWizard({ argv: ['root@192.0.2.1'], columns: 80, rows: 24, state: { step: 'disk', history: ['connect'], facts: fixtureFacts('laptop-windows-nvme-sata-usb') } });
  console.log(await ui.waitFor('Which disk'));
  await ui.press(keys.up);
  console.log(await ui.waitFor(/❯ ✖ sdb/));
  await ui.cleanup();
  const fake = new FakeDiscovery();
  const d = mountWizard({ columns: 80, rows: 24, services: { discover: async () => fake.handle } });
  await d.waitFor('Searching');
  for (let i = 1; i <= 20; i++) fake.add(candidate(i, { names: [`host-${i}.local`] }));
  await d.waitFor('host-20');
  await d.press(keys.up);
  console.log(await d.waitFor(/❯ host-20/));
  await d.cleanup();
});
