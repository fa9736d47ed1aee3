import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { _ } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import type { JsonSchema } from '../engine/task.ts';
import { LOADER_SCHEMAS } from '../engine/load/playbook-schema.ts';
import { createAjv, PRECOMPILED_DIR, precompiledFile, validatorName, type SchemaUse } from '../engine/load/schema-validators.ts';
import { taskRegistry } from './task-registry.ts';

/**
 * Part of `npm run build`: compiles every schema a run validates against into standalone ajv
 * code, one CommonJS file per use and schema, written beside the bundle (engine/load/schema-validators.ts
 * says why). Each file exports a function of the format table that returns the validator; it
 * takes ajv's small runtime helpers through require.
 */
export function writePrecompiledValidators(bundleDir: string): void {
  const taskSchemas = [...taskRegistry().values()].map((def) => def.schema);
  const uses: Record<SchemaUse, JsonSchema[]> = {
    load: [...LOADER_SCHEMAS, ...taskSchemas],
    run: taskSchemas,
  };
  mkdirSync(join(bundleDir, PRECOMPILED_DIR), { recursive: true });
  for (const [use, schemas] of Object.entries(uses) as [SchemaUse, JsonSchema[]][]) {
    const ajv = createAjv(use, { source: true, formats: _`formats` });
    const names = new Set<string>();
    for (const schema of schemas) {
      const name = validatorName(use, schema);
      if (names.has(name)) continue;
      ajv.addSchema(schema, name);
      names.add(name);
    }
    for (const name of names) {
      const code = standalone.default(ajv, { [name]: name });
      const source = `'use strict';\nmodule.exports = function validatorWith(formats) {\nconst exports = {};\n${code}\nreturn exports[${JSON.stringify(name)}];\n};\n`;
      writeFileSync(join(bundleDir, precompiledFile(name)), source);
    }
  }
}
