/**
 * main.ts as the build ships it: bundled into one CommonJS file, main.cjs, and compiled with the
 * V8 code cache the build recorded for it, main.cjs.cache (cli/code-cache/train.ts). The bundled
 * entry imports this module where the sources import main.ts.
 *
 * Compiling the bundle's functions as they are first called took about a sixth of a 10-host
 * check run's controller time; the cache hands V8 the bytecode of every function the build's
 * training run compiled. Node 20 has no compile cache for ES modules, so the bundle is CommonJS,
 * run through vm.Script, which takes cachedData. V8 checks the cache against the source and its
 * own version and flags, and compiles as usual when it does not match (or the file is missing).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { CliIo } from './main.ts';

export const BUNDLE_FILE = 'main.cjs';
export const CODE_CACHE_FILE = 'main.cjs.cache';

type MainModule = typeof import('./main.ts');

export interface LoadedBundle {
  script: Script;
  main: MainModule['main'];
  /** undefined: no cache was offered; true: V8 refused it (and compiled as usual). */
  cacheRejected: boolean | undefined;
}

/** Compiles and runs dir/main.cjs as CommonJS would, with cachedData when there is some. */
export function loadBundle(dir: string, cachedData?: Buffer): LoadedBundle {
  const file = join(dir, BUNDLE_FILE);
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as MainModule };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, dirname(file));
  return { script, main: module.exports.main, cacheRejected: cachedData ? script.cachedDataRejected === true : undefined };
}

function readCodeCache(dir: string): Buffer | undefined {
  try {
    return readFileSync(join(dir, CODE_CACHE_FILE));
  } catch {
    return undefined;
  }
}

export async function main(argv: string[], io?: CliIo): Promise<number> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  return loadBundle(dir, readCodeCache(dir)).main(argv, io);
}
