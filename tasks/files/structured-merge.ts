import { parseDocument, stringify, isMap, isNode, type Document, type Node, type YAMLMap } from 'yaml';
import { TaskError } from '../../engine/errors.ts';
import { isPlainObject } from '../../engine/values.ts';
import { ContentMemo } from '../shared/content-memo.ts';

/**
 * YAML and JSON as data: serialise, parse, compare by value, and merge keys into an
 * existing YAML file while every other key and its comments stay as they were.
 */

/** Scalars are quoted so that YAML 1.1 readers (Quay's PyYAML) read them as YAML 1.2 does: "yes" stays a string. */
const SCHEMA_OPTIONS = { compat: 'yaml-1.1' } as const;

/** No folding: a long value stays on one line, so the output masker sees it whole. */
const OUTPUT_OPTIONS = { ...SCHEMA_OPTIONS, lineWidth: 0 } as const;

export type StructuredFormat = 'yaml' | 'json';

/** YAML texts by the JSON of their value: every host of a play mostly writes the same config, and YAML's writer is slow. */
const yamlTexts = new ContentMemo<string>(64);

export function serialize(value: unknown, format: StructuredFormat): string {
  if (format === 'json') return JSON.stringify(value, null, 2) + '\n';
  if (!jsonIsFaithful(value, new Set())) return stringify(value, OUTPUT_OPTIONS);
  return yamlTexts.get(JSON.stringify(value), () => stringify(value, OUTPUT_OPTIONS));
}

/**
 * Whether two values with the same JSON text get the same YAML text: plain data only, with no
 * number JSON cannot write (NaN, Infinity, -0), no undefined, no array holes, and no object met
 * twice (YAML writes a repeated object as an anchor and its aliases, JSON writes it out again).
 */
function jsonIsFaithful(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !jsonIsFaithful(value[i], seen)) return false;
    return true;
  }
  return isPlainObject(value) && Object.values(value).every((v) => jsonIsFaithful(v, seen));
}

/** The parsed value, or undefined when the text does not parse (then it simply differs). */
export function parseStructured(text: string, format: StructuredFormat): { value: unknown } | undefined {
  try {
    if (format === 'json') return { value: JSON.parse(text) as unknown };
    const doc = parseDocument(text, SCHEMA_OPTIONS);
    return doc.errors.length > 0 ? undefined : { value: doc.toJS() as unknown };
  } catch {
    return undefined;
  }
}

/** Deep equality of data: map key order does not matter, list order does. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => valuesEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && valuesEqual(a[k], b[k]));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return false;
}

/** Deep merge for data: maps merge key by key, lists and scalars replace. */
export function mergeValues(base: unknown, patch: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    const existing = result[key];
    result[key] = isPlainObject(value) && isPlainObject(existing) ? mergeValues(existing, value) : value;
  }
  return result;
}

/**
 * Sets the patch's keys in a YAML text through the Document API: untouched keys keep their
 * comments, quoting and order; a replaced value keeps the comments that were on it.
 */
export function mergeYaml(source: string, patch: Record<string, unknown>): string {
  const doc: Document = parseDocument(source, SCHEMA_OPTIONS);
  if (doc.errors.length > 0) {
    throw new TaskError(`cannot merge into a file that is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  if (doc.contents === null) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new TaskError('cannot merge keys into a YAML file whose top level is not a map');
  mergeIntoMap(doc, doc.contents, patch);
  return doc.toString(OUTPUT_OPTIONS);
}

export function mergeJson(source: string, patch: Record<string, unknown>): string {
  const parsed = parseStructured(source, 'json');
  if (!parsed) throw new TaskError('cannot merge into a file that is not valid JSON');
  if (!isPlainObject(parsed.value)) throw new TaskError('cannot merge keys into a JSON file whose top level is not an object');
  return serialize(mergeValues(parsed.value, patch), 'json');
}

function mergeIntoMap(doc: Document, map: YAMLMap, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const existing: unknown = map.get(key, true);
    if (isPlainObject(value) && isMap(existing)) {
      mergeIntoMap(doc, existing, value);
      continue;
    }
    if (isNode(existing) && valuesEqual(existing.toJS(doc), value)) continue;
    const replacement = doc.createNode(value) as Node;
    if (isNode(existing)) {
      replacement.comment = existing.comment;
      replacement.commentBefore = existing.commentBefore;
      replacement.spaceBefore = existing.spaceBefore;
    }
    map.set(key, replacement);
  }
}
