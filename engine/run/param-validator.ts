import type { ErrorObject } from 'ajv';
import { validatorFor } from '../load/schema-validators.ts';
import type { AnyTaskDefinition } from '../task.ts';
import { isPlainObject } from '../values.ts';

/**
 * Validates a task's parameters after templating (the loader validated them before, but
 * could not type-check templated values) and fills schema defaults.
 */
export class ParamValidator {
  /** Returns the problems in plain English; empty when valid. Mutates params to add defaults. */
  validate(def: Pick<AnyTaskDefinition, 'name' | 'schema'>, params: unknown): string[] {
    const fn = validatorFor('run', def.schema);
    numbersAsText(def.schema, params);
    if (fn(params)) return [];
    return (fn.errors ?? []).map((e) => describe(def.name, e));
  }
}

/**
 * A number templated into a text field becomes its text, as Ansible's argument specs turn an int
 * into a str: `name: "{{ id }}"` with `-e id=1234` stays valid. Whole templates yield numbers only
 * when they print back as the same text (template/native-literal.ts), so the text is exact.
 */
function numbersAsText(schema: unknown, value: unknown): void {
  if (!isPlainObject(schema)) return;
  const properties = isPlainObject(schema['properties']) ? schema['properties'] : {};
  const rest = schema['additionalProperties'];
  if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      const sub = key in properties ? properties[key] : rest;
      if (typeof v === 'number' && isTextOnly(sub)) value[key] = String(v);
      else numbersAsText(sub, v);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v === 'number' && isTextOnly(schema['items'])) value[i] = String(v);
      else numbersAsText(schema['items'], v);
    });
  }
}

/** A field that takes text and no number (`type: string`, or a list of types with string and no number). */
function isTextOnly(schema: unknown): boolean {
  if (!isPlainObject(schema)) return false;
  const types = Array.isArray(schema['type']) ? schema['type'] : [schema['type']];
  return types.includes('string') && !types.includes('number') && !types.includes('integer');
}

function describe(task: string, e: ErrorObject): string {
  const where = e.instancePath ? `field '${e.instancePath.slice(1).replace(/\//g, '.')}'` : task;
  if (e.keyword === 'additionalProperties') return `unknown field '${String(e.params['additionalProperty'])}' in ${task}`;
  if (e.keyword === 'required') return `${task} is missing required field '${String(e.params['missingProperty'])}'`;
  if (e.keyword === 'pattern' && e.params['pattern'] === '^/') return `${where} must be an absolute path (starting with /)`;
  return `${where} ${e.message ?? 'is invalid'}`;
}
