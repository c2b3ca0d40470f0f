import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineCollector } from '../../../source/core/logs/lines.js';
import { Redactor } from '../../../source/core/logs/redact.js';

test('known secrets and anything shaped like an age identity are redacted', () => {
  const redactor = new Redactor(['hunter2-long', 'hunter2']);
  assert.equal(redactor.redact('pw=hunter2-long and hunter2'), 'pw=<redacted> and <redacted>');
  assert.equal(redactor.redact('key AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS5TPFMT here'), 'key <redacted> here');
  assert.equal(redactor.redact('nothing secret'), 'nothing secret');
  const clean = ['copying path 1', 'copying path 2'];
  assert.equal(redactor.redactLines(clean), clean, 'a chunk without a secret is handed on as it is');
  assert.deepEqual(redactor.redactLines(['copying path 1', 'pw=hunter2', 'AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS']), [
    'copying path 1',
    'pw=<redacted>',
    '<redacted>',
  ]);
});

test('a secret cut across chunk borders is redacted: lines are whole before redaction, wherever the cut falls', () => {
  const secret = 'Correct-Horse-Battery-9';
  const identity = 'AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS5TPFMT';
  const redactor = new Redactor([secret]);
  const bytes = Buffer.from(`before\npass=${secret} key=${identity} end\nafter ${secret}\n`);
  for (let cut = 1; cut < bytes.length; cut++) {
    for (const size of [1, 7, 64]) {
      const lines: string[] = [];
      const collector = new LineCollector((batch) => lines.push(...redactor.redactLines(batch)), 0);
      collector.push(bytes.subarray(0, cut));
      for (let at = cut; at < bytes.length; at += size) collector.push(bytes.subarray(at, at + size));
      collector.end();
      const shown = lines.join('\n');
      assert.ok(!shown.includes(secret) && !shown.includes('AGE-SECRET-KEY-1Q'), `cut at ${cut}, then chunks of ${size}: ${shown}`);
      assert.deepEqual(lines, ['before', 'pass=<redacted> key=<redacted> end', 'after <redacted>']);
    }
  }
});
