import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';

/** Every controller file a run read (playbooks, roles, vars, inventory, templates), path → sha256 of its bytes. */
export type InputFiles = Map<string, string>;

const tracking = new AsyncLocalStorage<InputFiles>();

/** Runs fn noting every input file it reads (in its async context only, so runs side by side stay apart). */
export async function trackInputFiles<T>(fn: () => Promise<T>): Promise<{ value: T; files: InputFiles }> {
  const files: InputFiles = new Map();
  const value = await tracking.run(files, fn);
  return { value, files };
}

/** Called where the loader and the template engine read a file: free when nothing tracks. */
export function noteInputFile(path: string, bytes: string | Uint8Array): void {
  const files = tracking.getStore();
  if (files && !files.has(path)) files.set(path, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
}
