import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { isBlock, type MetaAction, type TaskCall, type TaskNode } from '../model.ts';
import { hasTemplate } from '../template/template.ts';
import { applyInherited, inheritFrom, type Inherited } from './inherit.ts';
import { BLOCK_SCHEMA, INCLUDE_SCHEMA, validateAgainst } from './playbook-schema.ts';
import { loopKeyConflict } from './task-keys.ts';
import { parseTask, reportSchemaProblems, type Registry } from './tasks.ts';
import { isPlainObject, kindOf } from '../values.ts';
import { YamlSource, type PathSegment, type ReadOptions } from './yaml-source.ts';

type Obj = Record<string, unknown>;

/** Loads a role's tasks and handlers for `roles:`, import_role and include_role. */
export interface RoleImporter {
  importRole(src: YamlSource, path: PathSegment[], spec: Obj, inh: Inherited, ctx: TaskListContext): TaskNode[];
}

export interface TaskListContext {
  registry: Registry;
  problems: InputError[];
  read: ReadOptions;
  playbookDir: string;
  roles: RoleImporter;
  /** Absolute paths of task files being loaded, against include cycles. */
  stack: string[];
}

const META_ACTIONS: readonly MetaAction[] = ['flush_handlers', 'end_host', 'end_play', 'noop', 'clear_host_errors', 'refresh_inventory', 'end_batch'];
const CONTROL_KEYS = ['block', 'meta', 'import_tasks', 'include_tasks', 'import_role', 'include_role', 'local_action'];

/** ansible.builtin.include_tasks and friends mean the short names. */
function shortKeys(raw: Obj): Obj {
  if (!Object.keys(raw).some((k) => k.startsWith('ansible.builtin.') && CONTROL_KEYS.includes(k.slice(16)))) return raw;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.startsWith('ansible.builtin.') && CONTROL_KEYS.includes(k.slice(16)) ? k.slice(16) : k, v]));
}

/** A list of tasks as written: plain tasks, blocks, includes and imports, meta actions. */
export function parseTaskList(src: YamlSource, path: PathSegment[], list: unknown, inh: Inherited, ctx: TaskListContext, isHandler = false): TaskNode[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    ctx.problems.push(src.error(path, `a task list must be a list, not ${kindOf(list)}`));
    return [];
  }
  return list.flatMap((entry, i) => parseEntry(src, [...path, i], entry, inh, ctx, isHandler));
}

function parseEntry(src: YamlSource, path: PathSegment[], entry: unknown, inh: Inherited, ctx: TaskListContext, isHandler: boolean): TaskNode[] {
  if (!isPlainObject(entry)) {
    parseTask(src, path, entry, ctx.registry, isHandler, ctx.problems);
    return [];
  }
  const raw = shortKeys(entry);
  if ('block' in raw && !isHandler) return parseBlock(src, path, raw, inh, ctx);
  if ('meta' in raw) return parseMeta(src, path, raw, inh, ctx);
  if ('import_tasks' in raw || 'include_tasks' in raw) return parseTaskInclude(src, path, raw, inh, ctx, isHandler);
  if ('import_role' in raw || 'include_role' in raw) return parseRoleInclude(src, path, raw, inh, ctx);
  const conflict = loopKeyConflict(raw);
  if (conflict.length > 1) ctx.problems.push(src.error([...path, conflict[1]!], `a task has one loop, not several: ${conflict.join(', ')}`));
  const call = parseTask(src, path, localAction(raw), ctx.registry, isHandler, ctx.problems);
  return call ? [applyInherited(call, raw, inh)] : [];
}

/** local_action: {module: T, ...params} is task T delegated to localhost. */
function localAction(raw: Obj): Obj {
  if (!isPlainObject(raw.local_action) || typeof raw.local_action.module !== 'string') return raw;
  const { module, ...params } = raw.local_action;
  const { local_action: _, ...rest } = raw;
  return { ...rest, [module as string]: params, delegate_to: 'localhost' };
}

function parseBlock(src: YamlSource, path: PathSegment[], raw: Obj, inh: Inherited, ctx: TaskListContext): TaskNode[] {
  const problems = validateAgainst(BLOCK_SCHEMA, raw, { where: 'in block', skipTemplated: false });
  reportSchemaProblems(src, path, problems, ctx.problems);
  const inner = inheritFrom(raw, inh);
  const section = (key: 'block' | 'rescue' | 'always'): TaskNode[] => parseTaskList(src, [...path, key], raw[key], inner, ctx);
  return [{ name: typeof raw.name === 'string' ? raw.name : 'block', pos: src.posOf(path), block: section('block'), rescue: section('rescue'), always: section('always') }];
}

function parseMeta(src: YamlSource, path: PathSegment[], raw: Obj, inh: Inherited, ctx: TaskListContext): TaskNode[] {
  const action = raw.meta;
  if (typeof action !== 'string' || !META_ACTIONS.includes(action as MetaAction)) {
    ctx.problems.push(src.error([...path, 'meta'], `meta must be one of: ${META_ACTIONS.join(', ')}`));
    return [];
  }
  for (const key of Object.keys(raw)) {
    if (!['meta', 'name', 'when', 'tags'].includes(key)) ctx.problems.push(new InputError(src.posOfKey(path, key), `unknown key '${key}' next to meta`));
  }
  const when = [...inh.when, ...(raw.when === undefined ? [] : (Array.isArray(raw.when) ? raw.when : [raw.when]).map(String))];
  return [{ meta: action as MetaAction, name: typeof raw.name === 'string' ? raw.name : `meta: ${action}`, pos: src.posOf(path), ...(when.length ? { when } : {}) }];
}

function parseTaskInclude(src: YamlSource, path: PathSegment[], raw: Obj, inh: Inherited, ctx: TaskListContext, isHandler: boolean): TaskNode[] {
  const dynamic = 'include_tasks' in raw;
  const key = dynamic ? 'include_tasks' : 'import_tasks';
  reportSchemaProblems(src, path, validateAgainst(INCLUDE_SCHEMA, raw, { where: `in ${key}`, skipTemplated: false }), ctx.problems);
  const spec = raw[key];
  const fileName = isPlainObject(spec) ? spec.file : spec;
  const at = isPlainObject(spec) ? [...path, key, 'file'] : [...path, key];
  if (typeof fileName !== 'string' || !fileName) {
    ctx.problems.push(src.error(at, `${key} needs a file name`));
    return [];
  }
  if (hasTemplate(fileName)) {
    ctx.problems.push(src.error(at, `${key}: a templated file name is not supported; name the file`));
    return [];
  }
  const file = resolveTaskFile(src.file, fileName, ctx.playbookDir);
  if (ctx.stack.includes(resolve(file))) {
    ctx.problems.push(src.error(at, `include cycle: ${file} is already being loaded`));
    return [];
  }
  const inc = YamlSource.read(file, file, ctx.read);
  if (inc.problems.some((p) => p.detail.startsWith('cannot read file'))) {
    ctx.problems.push(src.error(at, `${key}: cannot read ${file}`));
    return [];
  }
  ctx.problems.push(...inc.problems);
  const apply = isPlainObject(spec) && isPlainObject(spec.apply) ? spec.apply : isPlainObject(raw.apply) ? raw.apply : {};
  // An import applies its keys to every task; an include evaluates its `when` once, on entry.
  const inner = inheritFrom({ ...raw, ...(dynamic ? apply : {}) }, inh, { when: !dynamic });
  const nodes = parseTaskList(inc, [], inc.value, inner, { ...ctx, stack: [...ctx.stack, resolve(file)] }, isHandler);
  if (!dynamic || isHandler) return nodes;
  const gate = raw.when === undefined ? [] : (Array.isArray(raw.when) ? raw.when : [raw.when]).map(String);
  return [{ name: typeof raw.name === 'string' ? raw.name : `include_tasks: ${fileName}`, pos: src.posOf(path), block: nodes, rescue: [], always: [], ...(gate.length ? { gate } : {}) }];
}

function parseRoleInclude(src: YamlSource, path: PathSegment[], raw: Obj, inh: Inherited, ctx: TaskListContext): TaskNode[] {
  const dynamic = 'include_role' in raw;
  const key = dynamic ? 'include_role' : 'import_role';
  reportSchemaProblems(src, path, validateAgainst(INCLUDE_SCHEMA, raw, { where: `in ${key}`, skipTemplated: false }), ctx.problems);
  const spec = raw[key];
  if (!isPlainObject(spec) || typeof spec.name !== 'string') return [];
  const apply = isPlainObject(spec.apply) ? spec.apply : {};
  const inner = inheritFrom({ ...raw, ...(dynamic ? apply : {}) }, inh, { when: !dynamic });
  const nodes = ctx.roles.importRole(src, [...path, key], spec, inner, ctx);
  if (!dynamic) return nodes;
  const gate = raw.when === undefined ? [] : (Array.isArray(raw.when) ? raw.when : [raw.when]).map(String);
  return [{ name: typeof raw.name === 'string' ? raw.name : `include_role: ${spec.name}`, pos: src.posOf(path), block: nodes, rescue: [], always: [], ...(gate.length ? { gate } : {}) }];
}

/** Relative to the including file, then to the playbook's directory (as Ansible searches). */
function resolveTaskFile(fromFile: string, name: string, playbookDir: string): string {
  const beside = join(dirname(fromFile), name);
  if (existsSync(beside)) return beside;
  const inPlaybookDir = join(playbookDir, name);
  return existsSync(inPlaybookDir) ? inPlaybookDir : beside;
}

/** Every task call in the nodes, blocks opened, in order. */
export function flattenTasks(nodes: readonly TaskNode[]): TaskCall[] {
  return nodes.flatMap((n) => (isBlock(n) ? flattenTasks([...n.block, ...n.rescue, ...n.always]) : 'meta' in n ? [] : [n]));
}
