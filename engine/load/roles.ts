import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import type { TaskCall, TaskNode } from '../model.ts';
import { inheritFrom, type Inherited } from './inherit.ts';
import { readVarsSource } from './inventory.ts';
import { flattenTasks, parseTaskList, type RoleImporter, type TaskListContext } from './task-list.ts';
import { isPlainObject } from '../values.ts';
import { YamlSource, type PathSegment } from './yaml-source.ts';
import { noteInputFile } from '../input-files.ts';

type Obj = Record<string, unknown>;

/** Keys of a `roles:` entry that are play keywords, not role parameters. */
const ROLE_KEYWORDS = new Set(['role', 'name', 'when', 'tags', 'vars', 'environment', 'become', 'become_user', 'ignore_errors', 'no_log', 'check_mode', 'diff', 'delegate_to', 'run_once', 'throttle']);
const INCLUDE_ROLE_OPTIONS = new Set(['name', 'tasks_from', 'vars_from', 'defaults_from', 'handlers_from', 'apply', 'allow_duplicates', 'public']);

/**
 * Where roles are found, as Ansible looks: roles/ beside the playbook, then roles_path
 * (ANSIBLE_ROLES_PATH, else ansible.cfg's [defaults] roles_path), then beside the playbook.
 */
export function roleSearchPath(playbookDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = env['ANSIBLE_ROLES_PATH'] !== undefined ? splitPaths(env['ANSIBLE_ROLES_PATH'], process.cwd()) : rolesPathFromConfig(playbookDir, env);
  return [join(playbookDir, 'roles'), ...configured, playbookDir];
}

function splitPaths(value: string, base: string): string[] {
  return value
    .split(delimiter)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (p.startsWith('~') ? join(process.env['HOME'] ?? '', p.slice(1)) : isAbsolute(p) ? p : resolve(base, p)));
}

/** ANSIBLE_CONFIG, else ansible.cfg beside the playbook, else in the working directory. */
function rolesPathFromConfig(playbookDir: string, env: NodeJS.ProcessEnv): string[] {
  const candidates = [env['ANSIBLE_CONFIG'], join(playbookDir, 'ansible.cfg'), join(process.cwd(), 'ansible.cfg')].filter((f): f is string => !!f);
  const file = candidates.find((f) => existsSync(f) && statSync(f).isFile());
  if (!file) return [];
  const text = readFileSync(file, 'utf8');
  noteInputFile(file, text);
  const value = iniValue(text, 'defaults', 'roles_path');
  return value === undefined ? [] : splitPaths(value, dirname(file));
}

function iniValue(text: string, section: string, key: string): string | undefined {
  let current = '';
  let found: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      current = header[1]!.trim();
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (m && current === section && m[1] === key) found = m[2]!.replace(/\s+[#;].*$/, '');
  }
  return found;
}

interface Role {
  name: string;
  dir: string;
}

/**
 * Loads roles for one play: tasks/, handlers/, defaults/, vars/ and meta/main.yml dependencies.
 * A role (with the same parameters) runs once per play, as in Ansible, unless allow_duplicates.
 */
export class PlayRoles implements RoleImporter {
  /** Handlers of every role loaded, in load order. */
  readonly handlers: TaskCall[] = [];
  private readonly seen = new Set<string>();
  private readonly handlersLoaded = new Set<string>();
  private readonly searchPath: string[];

  constructor(playbookDir: string) {
    this.searchPath = roleSearchPath(playbookDir);
  }

  /** One `roles:` entry: a name, or a map with `role` plus keywords and role parameters. */
  playRole(src: YamlSource, path: PathSegment[], entry: unknown, inh: Inherited, ctx: TaskListContext): TaskNode[] {
    const spec: Obj = typeof entry === 'string' ? { role: entry } : isPlainObject(entry) ? entry : {};
    const name = spec.role ?? spec.name;
    if (typeof name !== 'string' || !name) {
      ctx.problems.push(src.error(path, 'a roles entry must be a role name or a map with `role: NAME`'));
      return [];
    }
    const params = Object.fromEntries(Object.entries(spec).filter(([k]) => !ROLE_KEYWORDS.has(k)));
    if (typeof entry !== 'string') ctx.checks.scan(src, path, spec, { skip: ['vars'], conditions: true, inheritedWhen: inh.when });
    ctx.checks.defineKeys(params);
    ctx.checks.scanVars(src, [...path, 'vars'], spec.vars);
    return this.load(src, path, name, params, inheritFrom(spec, inh), ctx, {}, true);
  }

  importRole(src: YamlSource, path: PathSegment[], spec: Obj, inh: Inherited, ctx: TaskListContext): TaskNode[] {
    for (const key of Object.keys(spec)) {
      if (!INCLUDE_ROLE_OPTIONS.has(key)) ctx.problems.push(new InputError(src.posOfKey(path, key), `unknown option '${key}' of a role import (known: ${[...INCLUDE_ROLE_OPTIONS].join(', ')})`));
    }
    const from = Object.fromEntries(['tasks_from', 'vars_from', 'defaults_from', 'handlers_from'].filter((k) => typeof spec[k] === 'string').map((k) => [k, spec[k] as string]));
    return this.load(src, path, String(spec.name), {}, inh, ctx, from, false);
  }

  private find(name: string): Role | undefined {
    const candidates = isAbsolute(name) ? [name] : this.searchPath.map((d) => join(d, name));
    const dir = candidates.find((d) => existsSync(d) && statSync(d).isDirectory());
    return dir ? { name: name.split('/').pop()!, dir } : undefined;
  }

  private load(src: YamlSource, path: PathSegment[], name: string, params: Obj, inh: Inherited, ctx: TaskListContext, from: Record<string, string>, dedupe: boolean): TaskNode[] {
    const role = this.find(name);
    if (!role) {
      ctx.problems.push(src.error(path, `role '${name}' not found in: ${this.searchPath.join(', ')}`));
      return [];
    }
    if (ctx.stack.includes(`role:${role.dir}`)) {
      ctx.problems.push(src.error(path, `role dependency cycle: '${name}' depends on itself`));
      return [];
    }
    const meta = readYaml(join(role.dir, 'meta'), 'main', ctx);
    const key = `${role.dir}|${JSON.stringify(params)}|${JSON.stringify(from)}`;
    const allowDuplicates = isPlainObject(meta?.value) && meta.value.allow_duplicates === true;
    if (dedupe && !allowDuplicates && this.seen.has(key)) return [];
    this.seen.add(key);

    const roleCtx = { ...ctx, stack: [...ctx.stack, `role:${role.dir}`] };
    const deps = this.dependencies(meta, inh, roleCtx);
    const defaults = readVars(join(role.dir, 'defaults'), from['defaults_from'] ?? 'main', ctx);
    const vars = readVars(join(role.dir, 'vars'), from['vars_from'] ?? 'main', ctx);
    const roleInh: Inherited = {
      ...inh,
      vars: { ...inh.vars, ...vars },
      params: { ...inh.params, ...params, role_name: role.name, role_path: role.dir },
      roleDefaults: { ...inh.roleDefaults, ...defaults },
      role,
    };
    const tasksSrc = readYaml(join(role.dir, 'tasks'), from['tasks_from'] ?? 'main', ctx);
    const tasks = tasksSrc ? parseTaskList(tasksSrc, [], tasksSrc.value, roleInh, roleCtx) : [];
    const handlerKey = `${role.dir}|${from['handlers_from'] ?? 'main'}`;
    if (!this.handlersLoaded.has(handlerKey)) {
      this.handlersLoaded.add(handlerKey);
      const handlersSrc = readYaml(join(role.dir, 'handlers'), from['handlers_from'] ?? 'main', ctx);
      const { when: _, ...noWhen } = roleInh;
      if (handlersSrc) this.handlers.push(...flattenTasks(parseTaskList(handlersSrc, [], handlersSrc.value, { ...noWhen, when: [] }, roleCtx, true)));
    }
    return [...deps, ...tasks];
  }

  private dependencies(meta: YamlSource | undefined, inh: Inherited, ctx: TaskListContext): TaskNode[] {
    if (!meta || !isPlainObject(meta.value)) return [];
    const deps = meta.value.dependencies;
    if (deps === undefined || deps === null) return [];
    if (!Array.isArray(deps)) {
      ctx.problems.push(meta.error(['dependencies'], 'dependencies must be a list of roles'));
      return [];
    }
    // A dependency gets the keywords of the role that needs it, not its vars or parameters.
    const outer: Inherited = { ...inh, vars: {}, params: {} };
    return deps.flatMap((d, i) => this.playRole(meta, ['dependencies', i], d, outer, ctx));
  }
}

/** DIR/NAME.yml, DIR/NAME.yaml or DIR/NAME; undefined when none exists. */
function roleFile(dir: string, name: string): string | undefined {
  return [`${name}.yml`, `${name}.yaml`, name].map((n) => join(dir, n)).find((f) => existsSync(f) && statSync(f).isFile());
}

function readYaml(dir: string, name: string, ctx: TaskListContext): YamlSource | undefined {
  const file = roleFile(dir, name);
  if (!file) return undefined;
  const src = YamlSource.read(file, file, ctx.read);
  ctx.problems.push(...src.problems);
  return src.value === undefined ? undefined : src;
}

function readVars(dir: string, name: string, ctx: TaskListContext): Obj {
  const file = roleFile(dir, name);
  if (!file) return {};
  const { vars, src } = readVarsSource(file, ctx.problems, file, ctx.read);
  if (src) ctx.checks.scanVars(src, [], vars);
  return vars;
}
