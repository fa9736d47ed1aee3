import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The folder tree is the architecture: cli → engine, cli → tasks, tasks → the engine's contract,
 * never engine → tasks or engine → cli, and no task reaches into another domain's helpers.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The engine modules a task may import: the contract and the helpers made for tasks. */
const TASK_FACING = ['engine/task.ts', 'engine/connection.ts', 'engine/errors.ts', 'engine/exec-helpers.ts', 'engine/owner.ts', 'engine/values.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Repository-relative targets of a file's relative imports and re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g)].map(
    (m) => m[1] ?? m[2] ?? m[3]!,
  );
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

function violations(dir: string, allowed: (file: string, target: string) => boolean): string[] {
  return sourceFiles(dir).flatMap((file) => importsOf(file).filter((t) => !allowed(file, t)).map((t) => `${file} imports ${t}`));
}

describe('import arrows', () => {
  test('the import scanner sees imports (a file known to import the contract)', () => {
    assert.ok(importsOf('tasks/host/command.ts').includes('engine/task.ts'));
  });

  test('engine/ imports nothing from tasks/ or cli/', () => {
    assert.deepEqual(violations('engine', (_f, t) => !t.startsWith('tasks/') && !t.startsWith('cli/')), []);
  });

  test('tasks/ import only the engine contract, their own domain and tasks/shared/', () => {
    const domainOf = (path: string) => path.split('/')[1];
    const allowed = (file: string, target: string): boolean => {
      if (target.startsWith('engine/')) return TASK_FACING.includes(target);
      if (target.startsWith('cli/')) return false;
      if (!target.startsWith('tasks/')) return true;
      return domainOf(target) === domainOf(file) || domainOf(target) === 'shared';
    };
    assert.deepEqual(violations('tasks', allowed), []);
  });
});
