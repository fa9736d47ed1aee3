import { isPlainObject } from '../values.ts';
import type { TaskCall } from '../model.ts';

type Obj = Record<string, unknown>;

/** What a block, an include, a role or a play passes down to every task inside it. */
export interface Inherited {
  when: string[];
  tags: string[];
  vars: Obj;
  params: Obj;
  roleDefaults?: Obj;
  role?: { name: string; dir: string };
  environment?: Obj | string;
  become?: boolean;
  becomeUser?: string;
  ignoreErrors?: boolean;
  noLog?: boolean;
  checkMode?: boolean;
  diff?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  throttle?: number;
  /** Loop variables of a looped include around the tasks (for validate's variable check). */
  loopLocals?: string[];
}

export const NOTHING_INHERITED: Inherited = { when: [], tags: [], vars: {}, params: {} };

function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** The keys of a block / include / role entry (already schema-checked) on top of what it inherits itself. */
export function inheritFrom(raw: Obj, outer: Inherited, opts: { when?: boolean } = {}): Inherited {
  const inner: Inherited = {
    ...outer,
    when: opts.when === false ? outer.when : [...outer.when, ...list(raw.when)],
    tags: [...new Set([...outer.tags, ...list(raw.tags).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean)])],
    vars: isPlainObject(raw.vars) ? { ...outer.vars, ...raw.vars } : outer.vars,
  };
  if (isPlainObject(raw.environment)) inner.environment = isPlainObject(outer.environment) ? { ...outer.environment, ...raw.environment } : raw.environment;
  else if (typeof raw.environment === 'string') inner.environment = raw.environment;
  if (typeof raw.become === 'boolean') inner.become = raw.become;
  if (typeof raw.become_user === 'string') inner.becomeUser = raw.become_user;
  if (typeof raw.ignore_errors === 'boolean') inner.ignoreErrors = raw.ignore_errors;
  if (typeof raw.no_log === 'boolean') inner.noLog = raw.no_log;
  if (typeof raw.check_mode === 'boolean') inner.checkMode = raw.check_mode;
  if (typeof raw.diff === 'boolean') inner.diff = raw.diff;
  if (typeof raw.delegate_to === 'string') inner.delegateTo = raw.delegate_to;
  if (typeof raw.run_once === 'boolean') inner.runOnce = raw.run_once;
  if (typeof raw.throttle === 'number') inner.throttle = raw.throttle;
  return inner;
}

/** Applies what surrounds a task to it; the task's own keys win. */
export function applyInherited(call: TaskCall, raw: Obj, inh: Inherited): TaskCall {
  if (inh.when.length > 0) call.when = [...inh.when, ...(call.when ?? [])];
  if (inh.tags.length > 0) call.tags = [...new Set([...inh.tags, ...call.tags])];
  if (Object.keys(inh.vars).length > 0) call.vars = { ...inh.vars, ...call.vars };
  if (Object.keys(inh.params).length > 0) call.params = { ...inh.params, ...call.params };
  if (inh.roleDefaults) call.roleDefaults = inh.roleDefaults;
  if (inh.role) {
    // Shown as Ansible shows it ("web : restart"); notify may use either name.
    call.role = inh.role;
    call.name = `${inh.role.name} : ${call.name}`;
    if (call.listen) call.listen.push(call.name);
  }
  if (isPlainObject(inh.environment) && isPlainObject(call.environment)) call.environment = { ...inh.environment, ...call.environment };
  else call.environment ??= inh.environment;
  call.become ??= inh.become;
  call.becomeUser ??= inh.becomeUser;
  call.checkMode ??= inh.checkMode;
  call.diff ??= inh.diff;
  call.delegateTo ??= inh.delegateTo;
  call.runOnce ??= inh.runOnce;
  call.throttle ??= inh.throttle;
  if (raw.ignore_errors === undefined && inh.ignoreErrors !== undefined) call.ignoreErrors = inh.ignoreErrors;
  if (raw.no_log === undefined && inh.noLog !== undefined) call.noLog = inh.noLog;
  for (const k of ['environment', 'become', 'becomeUser', 'checkMode', 'diff', 'delegateTo', 'runOnce', 'throttle'] as const) {
    if (call[k] === undefined) delete call[k];
  }
  return call;
}
