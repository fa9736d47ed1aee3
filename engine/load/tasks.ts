import { ansibleModuleMessage } from './ansible-modules.ts';
import { InputError } from '../errors.ts';
import type { TaskCall } from '../model.ts';
import {
  closest,
  HANDLER_COMMON_SCHEMA,
  HANDLER_ONLY_KEYS,
  suggestion,
  TASK_COMMON_KEYS,
  TASK_COMMON_SCHEMA,
  validateAgainst,
  type SchemaProblem,
} from './playbook-schema.ts';
import type { AnyTaskDefinition } from '../task.ts';
import { hasTemplate } from '../template/template.ts';
import type { PathSegment, YamlSource } from './yaml-source.ts';
import { isPlainObject, kindOf } from '../values.ts';
import { readTaskKeys } from './task-keys.ts';

export type Registry = ReadonlyMap<string, AnyTaskDefinition>;

type Obj = Record<string, unknown>;

export function toList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

function tagList(v: unknown): string[] {
  return toList(v).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
}

export function reportSchemaProblems(src: YamlSource, base: readonly PathSegment[], problems: SchemaProblem[], out: InputError[]): void {
  for (const p of problems) {
    const path = [...base, ...p.path];
    if (p.missing && src.truncated(path)) continue;
    out.push(new InputError(p.key !== undefined ? src.posOfKey(path, p.key) : src.posOf(path), p.message));
  }
}

/** Validates one task (or handler) map and builds its TaskCall; undefined when it is unusable. */
export function parseTask(
  src: YamlSource,
  path: PathSegment[],
  raw: unknown,
  registry: Registry,
  isHandler: boolean,
  out: InputError[],
): TaskCall | undefined {
  const what = isHandler ? 'handler' : 'task';
  if (!isPlainObject(raw)) {
    out.push(src.error(path, `a ${what} must be a map with a name and one task type, not ${kindOf(raw)}`));
    return undefined;
  }
  const commonKeys = isHandler ? [...TASK_COMMON_KEYS, ...HANDLER_ONLY_KEYS] : TASK_COMMON_KEYS;
  const taskNames = [...registry.keys()];
  const others = Object.keys(raw).filter((k) => !commonKeys.includes(k));
  const typeKeys = others.filter((k) => registry.has(k));
  const unknown = others.filter((k) => !registry.has(k));
  const label = typeof raw.name === 'string' ? ` '${raw.name}'` : '';

  for (const key of unknown) {
    const moduleMessage = ansibleModuleMessage(key, taskNames);
    if (moduleMessage) {
      out.push(new InputError(src.posOfKey(path, key), moduleMessage));
      continue;
    }
    const nearCommon = closest(key, commonKeys);
    const looksLikeType = typeKeys.length === 0 && (!nearCommon || closest(key, taskNames) !== undefined);
    const message = looksLikeType
      ? `unknown task type '${key}'${suggestion(key, taskNames)}`
      : `unknown ${what} key '${key}'${suggestion(key, [...commonKeys, ...(typeKeys.length ? [] : taskNames)])}`;
    out.push(new InputError(src.posOfKey(path, key), message));
  }
  if (typeKeys.length === 0 && unknown.length === 0 && !src.truncated(path)) {
    out.push(src.error(path, `${what}${label} has no task type (a key such as ${taskNames.slice(0, 3).map((n) => `'${n}'`).join(', ')})`));
  }
  if (typeKeys.length > 1) {
    out.push(new InputError(src.posOfKey(path, typeKeys[1]!), `${what}${label} has more than one task type: ${typeKeys.map((k) => `'${k}'`).join(', ')} (exactly one per ${what})`));
  }

  const common = Object.fromEntries(Object.entries(raw).filter(([k]) => commonKeys.includes(k)));
  const commonSchema = isHandler ? HANDLER_COMMON_SCHEMA : TASK_COMMON_SCHEMA;
  const commonProblems = validateAgainst(commonSchema, common, { where: `in ${what}`, skipTemplated: false });
  reportSchemaProblems(src, path, commonProblems, out);

  const type = typeKeys[0];
  if (!type) return undefined;
  const def = registry.get(type)!;
  let params = withArgs(raw[type] ?? {}, raw.args);
  if (typeof params === 'string' && hasTemplate(params)) {
    // A whole parameter map from a variable (shared container specs): validated after templating.
  } else if (!isPlainObject(params)) {
    out.push(src.error([...path, type], `parameters of '${type}' must be a map of fields or one template, not ${kindOf(params)}`));
    params = {};
  } else {
    reportSchemaProblems(src, [...path, type], validateAgainst(def.schema, params, { where: `in ${type}`, skipTemplated: true }), out);
  }
  if (commonProblems.length > 0 || typeKeys.length > 1) return undefined;

  const name = typeof raw.name === 'string' && raw.name ? raw.name : type;
  const call: TaskCall = {
    name,
    type,
    args: params as Obj | string,
    pos: src.posOf(path),
    tags: tagList(raw.tags),
    notify: toList(raw.notify),
    noLog: raw.no_log === true,
    ignoreErrors: raw.ignore_errors === true,
  };
  if (raw.when !== undefined && raw.when !== null) call.when = toList(raw.when);
  if (typeof raw.register === 'string') call.register = raw.register;
  if (typeof raw.retries === 'number') call.retries = raw.retries;
  if (typeof raw.delay === 'number') call.delaySeconds = raw.delay;
  if (raw.until !== undefined && raw.until !== null) call.until = String(raw.until);
  if (typeof raw.timeout === 'number') call.timeoutSeconds = raw.timeout;
  if (isHandler) call.listen = [name, ...toList(raw.listen)];
  readTaskKeys(raw, call);
  return call;
}

/** `args:` gives parameters too; the ones written under the task type win. */
function withArgs(params: unknown, args: unknown): unknown {
  if (!isPlainObject(args)) return params;
  return isPlainObject(params) ? { ...args, ...params } : params;
}
