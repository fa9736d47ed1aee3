import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { _ } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import type { JsonSchema } from '../engine/task.ts';
import { LOADER_SCHEMAS } from '../engine/load/playbook-schema.ts';
import { createAjv, PRECOMPILED_MODULES, validatorName, type SchemaUse } from '../engine/load/schema-validators.ts';
import { taskRegistry } from './task-registry.ts';

/**
 * Part of `npm run build`: compiles every schema a run validates against into standalone ajv
 * code, one module per use, written beside the bundle (engine/load/schema-validators.ts says why).
 * The modules import the format functions from the compiled engine and ajv's small runtime
 * helpers through require.
 */
export function writePrecompiledValidators(bundleDir: string): void {
  const taskSchemas = [...taskRegistry().values()].map((def) => def.schema);
  const uses: Record<SchemaUse, JsonSchema[]> = {
    load: [...LOADER_SCHEMAS, ...taskSchemas],
    run: taskSchemas,
  };
  for (const [use, schemas] of Object.entries(uses) as [SchemaUse, JsonSchema[]][]) {
    const ajv = createAjv(use, { source: true, esm: true, formats: _`formats` });
    const exports: Record<string, string> = {};
    for (const schema of schemas) {
      const name = validatorName(use, schema);
      if (exports[name]) continue;
      ajv.addSchema(schema, name);
      exports[name] = name;
    }
    const header = [
      "import { createRequire } from 'node:module';",
      "import { SCHEMA_FORMATS as formats } from '../engine/load/schema-formats.js';",
      'const require = createRequire(import.meta.url);',
    ].join('\n');
    writeFileSync(join(bundleDir, PRECOMPILED_MODULES[use]), `${header}\n${standalone.default(ajv, exports)}\n`);
  }
}
