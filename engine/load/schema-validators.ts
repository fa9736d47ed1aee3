/**
 * Validators for the JSON schemas of playbooks, inventories and task parameters: one ajv setup
 * for load time and one for run time (after templating, filling schema defaults in).
 *
 * Compiling a schema costs milliseconds, and a run compiles some twenty: about a third of a warm
 * 10-host run's controller CPU. The build therefore compiles every schema it knows ahead of time
 * into files beside the bundle (cli/build-validators.ts); a run reads a validator from there when
 * its schema's content matches, and compiles any other (running from source, all of them). One
 * file per schema, read on first use: a run reads the few its playbook needs, not all of them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../task.ts';
import { SCHEMA_FORMATS } from './schema-formats.ts';

/** load: the loader checks what it can before templating; run: parameters after templating, with defaults filled in. */
export type SchemaUse = 'load' | 'run';

/** ajv itself is loaded only when a schema has to be compiled here: a run from the build never does. */
function ajvClass(): typeof Ajv {
  return (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv;
}

export function createAjv(use: SchemaUse, code?: Options['code']): Ajv {
  const AjvClass = ajvClass();
  const ajv = new AjvClass({ allErrors: true, strict: false, verbose: true, logger: false, useDefaults: use === 'run', ...(code ? { code } : {}) });
  for (const [name, format] of Object.entries(SCHEMA_FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

/** The export name of a schema's precompiled validator: its use and a digest of its content. */
export function validatorName(use: SchemaUse, schema: JsonSchema): string {
  return `${use}_${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 24)}`;
}

/** The folder beside the bundle that holds the build's validators, one CommonJS file each. */
export const PRECOMPILED_DIR = 'validators';

export function precompiledFile(name: string): string {
  return `${PRECOMPILED_DIR}/${name}.cjs`;
}

/** A validator file exports this: the validator, given the format functions. */
type PrecompiledFactory = (formats: typeof SCHEMA_FORMATS) => ValidateFunction;

let precompiledDir: string | undefined;

/**
 * Takes the build's validators from dir (by default beside this module, which is where they are
 * when it runs from the bundle), each read when a schema first needs it; a no-op when they are
 * not there.
 */
export function usePrecompiledValidators(dir: URL = new URL('.', import.meta.url)): void {
  const path = fileURLToPath(new URL(PRECOMPILED_DIR, dir));
  if (existsSync(path)) precompiledDir = fileURLToPath(dir);
}

function precompiled(name: string): ValidateFunction | undefined {
  if (!precompiledDir) return undefined;
  const file = join(precompiledDir, precompiledFile(name));
  if (!existsSync(file)) return undefined;
  return (createRequire(import.meta.url)(file) as PrecompiledFactory)(SCHEMA_FORMATS);
}

/** How many validators were taken from the build's files and how many compiled here (for tests). */
export const validatorOrigins = { precompiled: 0, compiled: 0 };

const instances: Partial<Record<SchemaUse, Ajv>> = {};
const cache: Record<SchemaUse, WeakMap<object, ValidateFunction>> = { load: new WeakMap(), run: new WeakMap() };

export function validatorFor(use: SchemaUse, schema: JsonSchema): ValidateFunction {
  let fn = cache[use].get(schema);
  if (!fn) {
    fn = precompiled(validatorName(use, schema));
    if (fn) validatorOrigins.precompiled++;
    else {
      fn = (instances[use] ??= createAjv(use)).compile(schema);
      validatorOrigins.compiled++;
    }
    cache[use].set(schema, fn);
  }
  return fn;
}
