import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskDefinition } from './task.ts';

const tasksDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'tasks');

let cache: Map<string, TaskDefinition<unknown>> | undefined;

/** Every tasks/NAME.ts, keyed by NAME; each file default-exports its TaskDefinition. */
export async function loadTaskRegistry(): Promise<Map<string, TaskDefinition<unknown>>> {
  if (cache) return cache;
  const files = readdirSync(tasksDir).filter((f) => /^[a-zA-Z]+\.ts$/.test(f)).sort();
  const defs = await Promise.all(
    files.map(async (f) => (await import(join(tasksDir, f))).default as TaskDefinition<unknown>),
  );
  cache = new Map();
  for (const [i, def] of defs.entries()) {
    if (def.name !== files[i]!.replace(/\.ts$/, '')) {
      throw new Error(`tasks/${files[i]} declares name "${def.name}"; the file name must match`);
    }
    cache.set(def.name, def);
  }
  return cache;
}
