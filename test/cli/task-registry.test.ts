import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { taskRegistry } from '../../cli/task-registry.ts';

const TASKS = fileURLToPath(new URL('../../tasks/', import.meta.url));

/** Files that declare a typed task (`export default defineTask(`), wherever they sit under tasks/. */
function taskFiles(): string[] {
  return readdirSync(TASKS, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /export default defineTask\b/.test(readFileSync(join(TASKS, f), 'utf8')));
}

test('every task file is registered, under its file name', () => {
  const registry = taskRegistry();
  const files = taskFiles();
  assert.ok(files.length >= 15, `found ${files.length} task files`);
  for (const f of files) {
    const name = basename(f, '.ts');
    assert.ok(registry.has(name), `tasks/${f} is not in cli/task-registry.ts`);
  }
  assert.equal(registry.size, files.length, 'the registry holds exactly the task files');
});
