import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor } from '../../../source/core/logs/redact.js';

test('known secrets and anything shaped like an age identity are redacted', () => {
  const redactor = new Redactor(['hunter2-long', 'hunter2']);
  assert.equal(redactor.redact('pw=hunter2-long and hunter2'), 'pw=<redacted> and <redacted>');
  assert.equal(
    redactor.redact('key AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS5TPFMT here'),
    'key <redacted> here',
  );
  assert.equal(redactor.redact('nothing secret'), 'nothing secret');
});
