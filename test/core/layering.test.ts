import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const uiImport = /(?:from\s+|import\s*\(\s*)['"](?:ink|react|ink-[\w-]+)(?:\/[^'"]*)?['"]/;

test('source/core never imports ink or react', () => {
  const offenders = sourceFiles('source/core').filter((file) => uiImport.test(readFileSync(file, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('source/core, headless and lab never import from source/ui', () => {
  const dirs = ['source/core', 'source/headless', 'source/lab'];
  const offenders = dirs.flatMap(sourceFiles).filter((file) => /from\s+['"](?:\.\.\/)+ui\//.test(readFileSync(file, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('the layering check itself recognises an ink import', () => {
  assert.ok(uiImport.test(`import { Box } from 'ink';`));
  assert.ok(uiImport.test(`const ink = await import('ink');`));
  assert.ok(uiImport.test(`import x from "react/jsx-runtime";`));
  assert.ok(!uiImport.test(`import { x } from './link.js';`));
});
