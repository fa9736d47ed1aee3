import type { ValidateFunction, ErrorObject } from 'ajv';
import { createAjv } from '../load/playbook-schema.ts';
import type { AnyTaskDefinition } from '../task.ts';

/**
 * Validates a task's parameters after templating (the loader validated them before, but
 * could not type-check templated values) and fills schema defaults.
 */
export class ParamValidator {
  private readonly ajv = createAjv({ useDefaults: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Returns the problems in plain English; empty when valid. Mutates params to add defaults. */
  validate(def: Pick<AnyTaskDefinition, 'name' | 'schema'>, params: unknown): string[] {
    let fn = this.compiled.get(def.name);
    if (!fn) {
      fn = this.ajv.compile(def.schema);
      this.compiled.set(def.name, fn);
    }
    if (fn(params)) return [];
    return (fn.errors ?? []).map((e) => describe(def.name, e));
  }
}

function describe(task: string, e: ErrorObject): string {
  const where = e.instancePath ? `field '${e.instancePath.slice(1).replace(/\//g, '.')}'` : task;
  if (e.keyword === 'additionalProperties') return `unknown field '${String(e.params['additionalProperty'])}' in ${task}`;
  if (e.keyword === 'required') return `${task} is missing required field '${String(e.params['missingProperty'])}'`;
  return `${where} ${e.message ?? 'is invalid'}`;
}
