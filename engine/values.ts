/** Questions about plain data (parsed YAML/JSON, variables, task results), answered once. */

/** A map of data: an object made by a literal, JSON or YAML, not a list, null or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** How a value's type reads in a message: "a list", "a map", "empty" (YAML's null), "a string"... */
export function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'empty';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

/**
 * Ansible's `bool` filter: true, yes, on, 1 (any case) and the number 1 are true; everything
 * else is false. Used wherever a variable is read as a flag (connection variables, `| bool`).
 */
export function asBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  if (typeof value === 'string') return ['true', 'yes', 'on', '1'].includes(value.trim().toLowerCase());
  return false;
}
