import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { isBlock, type BlockNode, type LoopSpec, type MetaAction, type TaskCall, type TaskNode } from '../model.ts';
import { hasTemplate } from '../template/template.ts';
import { applyInherited, inheritFrom, type Inherited } from './inherit.ts';
import { BLOCK_SCHEMA, INCLUDE_SCHEMA, validateAgainst } from './playbook-schema.ts';
import { loopKeyConflict, loopLocals, readLoop } from './task-keys.ts';
import type { LoadChecks } from './template-checks.ts';
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
  checks: LoadChecks;
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
  const locals = [...inh.loopLocals ?? [], ...loopLocals(raw)];
  ctx.checks.scan(src, path, raw, { skip: ['vars'], conditions: true, inheritedWhen: inh.when, locals });
  ctx.checks.scanVars(src, [...path, 'vars'], raw.vars, { locals });
  if (typeof raw.register === 'string') ctx.checks.define([raw.register]);
  const call = parseTask(src, path, localAction(raw), ctx.registry, isHandler, ctx.problems);
  if (!call) return [];
  const applied = applyInherited(call, raw, inh);
  checkTemplateFiles(src, path, applied, inh, locals, ctx);
  return [applied];
}

/** The controller-side template files a task renders (a `template` task's src), read now rather than on the host. */
function checkTemplateFiles(src: YamlSource, path: PathSegment[], call: TaskCall, inh: Inherited, locals: string[], ctx: TaskListContext): void {
  const files = typeof call.args === 'string' ? [] : (ctx.registry.get(call.type)?.templateFiles?.(call.args) ?? []);
  for (const name of files) {
    ctx.checks.scanTemplateFile(src, [...path, call.type], name, { playbookDir: ctx.playbookDir, ...(call.role ? { rolePath: call.role.dir } : {}) }, { inheritedWhen: [...inh.when, ...(call.when ?? [])], locals });
  }
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
  ctx.checks.scan(src, path, raw, { skip: ['block', 'rescue', 'always', 'vars'], conditions: true, inheritedWhen: inh.when, locals: inh.loopLocals ?? [] });
  ctx.checks.scanVars(src, [...path, 'vars'], raw.vars, { locals: inh.loopLocals ?? [] });
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
  ctx.checks.scan(src, path, raw, { conditions: true, inheritedWhen: inh.when, locals: inh.loopLocals ?? [] });
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
  const looped = includeLoop(src, path, raw, key, inh, ctx);
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
  const inner = { ...inheritFrom({ ...raw, ...(dynamic ? apply : {}) }, inh, { when: !dynamic }), ...looped.inherited };
  const nodes = parseTaskList(inc, [], inc.value, inner, { ...ctx, stack: [...ctx.stack, resolve(file)] }, isHandler);
  if (!dynamic || isHandler) return nodes;
  return [dynamicInclude(src, path, raw, `include_tasks: ${fileName}`, nodes, looped.loop)];
}

function parseRoleInclude(src: YamlSource, path: PathSegment[], raw: Obj, inh: Inherited, ctx: TaskListContext): TaskNode[] {
  const dynamic = 'include_role' in raw;
  const key = dynamic ? 'include_role' : 'import_role';
  reportSchemaProblems(src, path, validateAgainst(INCLUDE_SCHEMA, raw, { where: `in ${key}`, skipTemplated: false }), ctx.problems);
  const looped = includeLoop(src, path, raw, key, inh, ctx);
  const spec = raw[key];
  if (!isPlainObject(spec) || typeof spec.name !== 'string') return [];
  const apply = isPlainObject(spec.apply) ? spec.apply : {};
  const inner = { ...inheritFrom({ ...raw, ...(dynamic ? apply : {}) }, inh, { when: !dynamic }), ...looped.inherited };
  const nodes = ctx.roles.importRole(src, [...path, key], spec, inner, ctx);
  if (!dynamic) return nodes;
  return [dynamicInclude(src, path, raw, `include_role: ${spec.name}`, nodes, looped.loop)];
}

/** include_tasks / include_role become a block entered per host (per item when looped) if their `when` holds. */
function dynamicInclude(src: YamlSource, path: PathSegment[], raw: Obj, fallbackName: string, nodes: TaskNode[], loop: LoopSpec | undefined): BlockNode {
  const gate = raw.when === undefined ? [] : (Array.isArray(raw.when) ? raw.when : [raw.when]).map(String);
  return { name: typeof raw.name === 'string' ? raw.name : fallbackName, pos: src.posOf(path), block: nodes, rescue: [], always: [], ...(gate.length ? { gate } : {}), ...(loop ? { loop } : {}) };
}

/**
 * The loop of an include (refused on imports, which are expanded at load, as Ansible refuses it),
 * with the include's own templates checked knowing its loop variables.
 */
function includeLoop(src: YamlSource, path: PathSegment[], raw: Obj, key: string, inh: Inherited, ctx: TaskListContext): { loop?: LoopSpec; inherited: Partial<Inherited> } {
  const kinds = loopKeyConflict(raw);
  if (kinds.length > 1) ctx.problems.push(src.error([...path, kinds[1]!], `a task has one loop, not several: ${kinds.join(', ')}`));
  if (kinds.length > 0 && key.startsWith('import_')) {
    ctx.problems.push(new InputError(src.posOfKey(path, kinds[0]!), `${key} cannot loop (it is expanded at load); use ${key.replace('import_', 'include_')}`));
  }
  const locals = [...(inh.loopLocals ?? []), ...loopLocals(raw)];
  ctx.checks.scan(src, path, raw, { skip: ['vars'], conditions: true, inheritedWhen: inh.when, locals });
  ctx.checks.scanVars(src, [...path, 'vars'], raw.vars, { locals });
  const loop = key.startsWith('include_') ? readLoop(raw) : undefined;
  return loop ? { loop, inherited: { loopLocals: locals } } : { inherited: {} };
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
