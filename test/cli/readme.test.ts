import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { taskRegistry } from '../../cli/task-registry.ts';
import { REFERENCE_END, REFERENCE_START, renderTaskReference } from '../../cli/task-docs.ts';

// The README's task reference is generated from the schemas; this keeps it from going stale.
test('README task reference matches the task schemas (run npm run docs after changing a schema)', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(REFERENCE_START) + REFERENCE_START.length, readme.indexOf(REFERENCE_END));
  const registry = taskRegistry();
  assert.equal(section.trim(), renderTaskReference(registry).trim());
  for (const name of registry.keys()) assert.match(section, new RegExp(`^### ${name}$`, 'm'));
});
