import { isPlainObject } from '../values.ts';
import type { LoopSpec, TaskCall } from '../model.ts';

type Obj = Record<string, unknown>;

const LOOP_KINDS = ['loop', 'with_items', 'with_list', 'with_dict'] as const;

function conditions(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map((c) => String(c));
}

/** The Ansible task keywords beyond the basics (already schema-checked): loops, result overrides, per-task execution settings. */
export function readTaskKeys(raw: Obj, call: TaskCall): void {
  const loop = readLoop(raw);
  if (loop) call.loop = loop;
  const changedWhen = conditions(raw.changed_when);
  if (changedWhen) call.changedWhen = changedWhen;
  const failedWhen = conditions(raw.failed_when);
  if (failedWhen) call.failedWhen = failedWhen;
  if (typeof raw.check_mode === 'boolean') call.checkMode = raw.check_mode;
  if (typeof raw.diff === 'boolean') call.diff = raw.diff;
  if (isPlainObject(raw.vars)) call.vars = raw.vars;
  if (isPlainObject(raw.environment) || typeof raw.environment === 'string') call.environment = raw.environment;
  if (typeof raw.become === 'boolean') call.become = raw.become;
  if (typeof raw.become_user === 'string') call.becomeUser = raw.become_user;
  if (typeof raw.delegate_to === 'string') call.delegateTo = raw.delegate_to;
  if (typeof raw.run_once === 'boolean') call.runOnce = raw.run_once;
  if (typeof raw.throttle === 'number') call.throttle = raw.throttle;
}

export function readLoop(raw: Obj): LoopSpec | undefined {
  const kind = LOOP_KINDS.find((k) => raw[k] !== undefined);
  if (!kind) return undefined;
  const control = isPlainObject(raw.loop_control) ? raw.loop_control : {};
  const spec: LoopSpec = { kind, items: raw[kind], loopVar: typeof control.loop_var === 'string' ? control.loop_var : 'item' };
  if (typeof control.index_var === 'string') spec.indexVar = control.index_var;
  if (typeof control.label === 'string') spec.label = control.label;
  if (typeof control.pause === 'number' && control.pause > 0) spec.pauseSeconds = control.pause;
  return spec;
}

/** More than one of loop / with_items / with_list / with_dict on one task. */
export function loopKeyConflict(raw: Obj): string[] {
  return LOOP_KINDS.filter((k) => raw[k] !== undefined);
}

/** The variables a task's loop defines for that task: the loop variable and index_var. */
export function loopLocals(raw: Obj): string[] {
  if (!LOOP_KINDS.some((k) => raw[k] !== undefined)) return [];
  const control = isPlainObject(raw.loop_control) ? raw.loop_control : {};
  return [typeof control.loop_var === 'string' ? control.loop_var : 'item', ...(typeof control.index_var === 'string' ? [control.index_var] : [])];
}
