import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { hostPatternProblem } from './host-pattern.ts';
import { readVarsSource } from './inventory.ts';
import { isBlock, type MetaNode, type Play, type SerialSpec, type TaskCall, type TaskNode } from '../model.ts';
import { inheritFrom, NOTHING_INHERITED } from './inherit.ts';
import { PlayRoles } from './roles.ts';
import type { LoadChecks } from './template-checks.ts';
import { promptVars } from './vars-prompt.ts';
import { flattenTasks, parseTaskList, type TaskListContext } from './task-list.ts';
import { PLAY_SCHEMA, suggestion, validateAgainst } from './playbook-schema.ts';
import { hasTemplate, renderString } from '../template/template.ts';
import { VarScope } from '../template/vars.ts';
import { YamlSource, type PathSegment, type ReadOptions } from './yaml-source.ts';
import { reportSchemaProblems, toList, type Registry } from './tasks.ts';
import { isPlainObject, kindOf } from '../values.ts';

export interface LoadedPlays {
  plays: Play[];
  varsFiles: Map<Play, Record<string, unknown>>;
}

interface Context {
  registry: Registry;
  extraVars: Record<string, unknown>;
  problems: InputError[];
  /** Absolute paths of playbooks being loaded, against import cycles. */
  stack: string[];
  read: ReadOptions;
  checks: LoadChecks;
}

const PLAY_KEYS = Object.keys(PLAY_SCHEMA.properties as object);

export function loadPlaybookFile(file: string, ctx: Context): LoadedPlays {
  const result: LoadedPlays = { plays: [], varsFiles: new Map() };
  const src = YamlSource.read(file, file, ctx.read);
  ctx.problems.push(...src.problems);
  if (src.value === undefined) return result;
  if (!Array.isArray(src.value)) {
    ctx.problems.push(src.error([], `a playbook must be a list of plays, not ${kindOf(src.value)}`));
    return result;
  }
  src.value.forEach((raw, i) => {
    if (isPlainObject(raw) && 'import_playbook' in raw) {
      importPlaybook(src, [i], raw, ctx, result);
      return;
    }
    const play = parsePlay(src, [i], raw, ctx);
    if (play) {
      result.plays.push(play.play);
      result.varsFiles.set(play.play, play.varsFiles);
    }
  });
  return result;
}

function importPlaybook(src: YamlSource, path: PathSegment[], raw: Record<string, unknown>, ctx: Context, into: LoadedPlays): void {
  for (const key of Object.keys(raw)) {
    if (!['import_playbook', 'name', 'vars', 'when', 'tags'].includes(key)) ctx.problems.push(new InputError(src.posOfKey(path, key), `unknown key '${key}' next to import_playbook`));
  }
  if (raw.vars !== undefined && raw.vars !== null && !isPlainObject(raw.vars)) ctx.problems.push(src.error([...path, 'vars'], 'vars of import_playbook must be a map'));
  ctx.checks.scan(src, path, raw, { skip: ['vars'], conditions: true });
  ctx.checks.scanVars(src, [...path, 'vars'], raw.vars);
  if (typeof raw.import_playbook !== 'string' || !raw.import_playbook) {
    ctx.problems.push(src.error([...path, 'import_playbook'], 'import_playbook must be a file name'));
    return;
  }
  const target = join(dirname(src.file), raw.import_playbook);
  if (ctx.stack.includes(resolve(target))) {
    ctx.problems.push(src.error([...path, 'import_playbook'], `import cycle: ${target} is already being loaded`));
    return;
  }
  const before = ctx.problems.length;
  const loaded = loadPlaybookFile(target, { ...ctx, stack: [...ctx.stack, resolve(target)] });
  // A missing file is reported where it is imported, not at line 1 of a file that is not there.
  for (let i = before; i < ctx.problems.length; i++) {
    const p = ctx.problems[i]!;
    if (p.pos.file === target && p.detail.startsWith('cannot read file')) ctx.problems[i] = new InputError(src.posOf([...path, 'import_playbook']), `${p.detail}: ${target}`);
  }
  // Its vars are play vars of every imported play (over theirs); its when and tags apply to every task.
  const when = toList(raw.when);
  const tags = toList(raw.tags).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const play of loaded.plays) {
    if (isPlainObject(raw.vars)) play.vars = { ...play.vars, ...raw.vars };
    if (when.length) addWhen(play, when);
    if (tags.length) play.tags = [...new Set([...tags, ...play.tags])];
  }
  into.plays.push(...loaded.plays);
  for (const [play, vars] of loaded.varsFiles) into.varsFiles.set(play, vars);
}

function addWhen(play: Play, when: string[]): void {
  const visit = (nodes: TaskNode[]): void => {
    for (const n of nodes) {
      if (isBlock(n)) visit([...n.block, ...n.rescue, ...n.always]);
      else n.when = [...when, ...(n.when ?? [])];
    }
  };
  visit(play.body ?? play.tasks);
  visit(play.handlers);
}

function parsePlay(src: YamlSource, path: PathSegment[], raw: unknown, ctx: Context): { play: Play; varsFiles: Record<string, unknown> } | undefined {
  if (!isPlainObject(raw)) {
    ctx.problems.push(src.error(path, `a play must be a map with hosts and tasks, not ${kindOf(raw)}`));
    return undefined;
  }
  const schemaProblems = validateAgainst(PLAY_SCHEMA, raw, { where: 'in play', skipTemplated: false }).map((p) =>
    p.key !== undefined && p.path.length === 0 ? { ...p, message: `unknown play key '${p.key}'${suggestion(p.key, PLAY_KEYS)}` } : p,
  );
  reportSchemaProblems(src, path, schemaProblems, ctx.problems);
  ctx.checks.scan(src, path, raw, { skip: ['pre_tasks', 'tasks', 'post_tasks', 'handlers', 'roles', 'vars_prompt', 'vars', 'defaults'] });
  ctx.checks.scanVars(src, [...path, 'vars'], raw.vars);
  ctx.checks.scanVars(src, [...path, 'defaults'], raw.defaults);
  if (Array.isArray(raw.vars_prompt)) ctx.checks.define(raw.vars_prompt.flatMap((p) => (isPlainObject(p) && typeof p.name === 'string' ? [p.name] : [])));

  const body = parseBody(src, path, raw, ctx);
  const handlers = [...body.handlers, ...body.roleHandlers];
  checkNotify(src, path, raw, handlers, ctx.problems);

  const vars = { ...(isPlainObject(raw.vars) ? raw.vars : {}), ...promptVars(src, path, raw.vars_prompt, ctx.extraVars, ctx.problems) };
  const varsFiles = loadVarsFiles(src, path, raw.vars_files, vars, ctx);
  if (schemaProblems.length > 0) return undefined;

  const hosts = toList(raw.hosts).join(',');
  const patternProblem = hasTemplate(hosts) ? undefined : hostPatternProblem(hosts);
  if (patternProblem) {
    ctx.problems.push(src.error([...path, 'hosts'], patternProblem));
    return undefined;
  }
  const play: Play = {
    name: typeof raw.name === 'string' && raw.name ? raw.name : hosts,
    hosts,
    pos: src.posOf(path),
    // defaults_files first, the play's own defaults over them; both below the inventory.
    defaults: { ...loadVarsFiles(src, path, raw.defaults_files, {}, ctx, 'defaults_files'), ...(isPlainObject(raw.defaults) ? raw.defaults : {}) },
    vars,
    varsFiles: toList(raw.vars_files),
    tasks: flattenTasks(body.nodes),
    body: body.nodes,
    handlers,
    gatherFacts: raw.gather_facts !== false,
    tags: toList(raw.tags).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean),
    anyErrorsFatal: raw.any_errors_fatal === true,
    strategy: raw.strategy === 'free' ? 'free' : 'linear',
  };
  if (raw.serial !== undefined) play.serial = raw.serial as SerialSpec;
  if (typeof raw.forks === 'number') play.forks = raw.forks;
  if (typeof raw.max_fail_percentage === 'number') play.maxFailPercentage = raw.max_fail_percentage;
  if (typeof raw.become === 'boolean') play.become = raw.become;
  if (typeof raw.become_user === 'string') play.becomeUser = raw.become_user;
  if (isPlainObject(raw.environment) || typeof raw.environment === 'string') play.environment = raw.environment;
  if (typeof raw.connection === 'string') play.connection = raw.connection;
  if (typeof raw.remote_user === 'string') play.remoteUser = raw.remote_user;
  if (typeof raw.throttle === 'number') play.throttle = raw.throttle;
  if (typeof raw.order === 'string') play.order = raw.order as NonNullable<Play['order']>;
  return { play, varsFiles };
}

/**
 * pre_tasks, roles, tasks, post_tasks, as Ansible orders them, with the handlers notified so far
 * run after pre_tasks and after roles + tasks (the runner runs the rest at the end).
 */
function parseBody(src: YamlSource, path: PathSegment[], raw: Record<string, unknown>, ctx: Context): { nodes: TaskNode[]; handlers: TaskCall[]; roleHandlers: TaskCall[] } {
  const playbookDir = dirname(src.file);
  const roles = new PlayRoles(playbookDir);
  const listCtx: TaskListContext = { registry: ctx.registry, problems: ctx.problems, read: ctx.read, playbookDir, roles, stack: [resolve(src.file)], checks: ctx.checks };
  const inh = inheritFrom({ run_once: raw.run_once }, NOTHING_INHERITED);
  const section = (key: 'pre_tasks' | 'tasks' | 'post_tasks'): TaskNode[] => parseTaskList(src, [...path, key], raw[key], inh, listCtx);
  const flush = (key: string): MetaNode => ({ meta: 'flush_handlers', name: `flush handlers after ${key}`, pos: src.posOf([...path, key]) });
  const pre = section('pre_tasks');
  const roleNodes = Array.isArray(raw.roles) ? raw.roles.flatMap((r, i) => roles.playRole(src, [...path, 'roles', i], r, inh, listCtx)) : [];
  const main = [...roleNodes, ...section('tasks')];
  const post = section('post_tasks');
  const nodes = [...pre, ...(pre.length ? [flush('pre_tasks')] : []), ...main, ...(post.length && main.length ? [flush('tasks')] : []), ...post];
  const handlers = flattenTasks(parseTaskList(src, [...path, 'handlers'], raw.handlers, inh, listCtx, true));
  return { nodes, handlers, roleHandlers: roles.handlers };
}

/** Every notify (in tasks and handlers) must name a handler of the same play, by name or listen. */
function checkNotify(src: YamlSource, path: PathSegment[], raw: Record<string, unknown>, handlers: TaskCall[], out: InputError[]): void {
  const known = new Set(handlers.flatMap((h) => h.listen ?? [h.name]));
  // Handlers that failed validation still count as targets, so one error is not reported twice.
  if (Array.isArray(raw.handlers)) {
    for (const h of raw.handlers) if (isPlainObject(h)) for (const n of [...toList(h.name), ...toList(h.listen)]) known.add(n);
  }
  for (const key of ['tasks', 'handlers'] as const) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    list.forEach((task, i) => {
      if (!isPlainObject(task)) return;
      const notify = task.notify;
      const names = Array.isArray(notify) ? notify : [notify];
      names.forEach((n, j) => {
        if (typeof n !== 'string' || known.has(n) || hasTemplate(n)) return;
        const where = Array.isArray(notify) ? [...path, key, i, 'notify', j] : [...path, key, i, 'notify'];
        out.push(src.error(where, `notify: no handler named '${n}' in this play${suggestion(n, [...known])}`));
      });
    });
  }
}

function loadVarsFiles(
  src: YamlSource,
  path: PathSegment[],
  spec: unknown,
  playVars: Record<string, unknown>,
  ctx: Context,
  key: 'vars_files' | 'defaults_files' = 'vars_files',
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  const items = typeof spec === 'string' ? [spec] : Array.isArray(spec) ? spec : [];
  items.forEach((item, i) => {
    if (typeof item !== 'string') return;
    const at = typeof spec === 'string' ? [...path, key] : [...path, key, i];
    let name = item;
    if (hasTemplate(item)) {
      try {
        name = String(renderString(item, VarScope.fromLayers([{ vars: playVars }, { vars: ctx.extraVars }])));
      } catch (error) {
        ctx.problems.push(src.error(at, `cannot resolve vars file name: ${(error as Error).message}`));
        return;
      }
    }
    const file = join(dirname(src.file), name);
    const before = ctx.problems.length;
    const { vars, src: varsSrc } = readVarsSource(file, ctx.problems, file, ctx.read);
    if (varsSrc) ctx.checks.scanVars(varsSrc, [], vars);
    for (let k = before; k < ctx.problems.length; k++) {
      const p = ctx.problems[k]!;
      if (p.pos.file === file && p.detail.startsWith('cannot read file')) ctx.problems[k] = new InputError(src.posOf(at), `vars file ${file}: ${p.detail}`);
    }
    Object.assign(merged, vars);
  });
  return merged;
}
