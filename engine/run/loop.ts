import { formatPos, TaskError, type SourcePos } from '../errors.ts';
import type { LoopSpec, Play, TaskCall } from '../model.ts';
import type { HostTaskResult } from '../report/events.ts';
import { renderValue, toText } from '../template/template.ts';
import type { HostSession } from './host-session.ts';
import { scopeFor, type RunContext } from './run-context.ts';
import { runTaskOnHost, type TaskRunOptions } from './task-on-host.ts';

/** The items a loop runs over, as Ansible builds them: with_items flattens one level, with_dict gives {key, value}. */
export function loopItems(pos: SourcePos, loop: LoopSpec, value: unknown): unknown[] {
  const where = `${formatPos(pos)}: ${loop.kind}`;
  if (loop.kind === 'with_dict') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TaskError(`${where} needs a map, got ${describe(value)}`);
    return Object.entries(value).map(([key, v]) => ({ key, value: v }));
  }
  if (!Array.isArray(value)) {
    if (loop.kind === 'with_items' && value !== undefined && value !== null) return [value];
    throw new TaskError(`${where} needs a list, got ${describe(value)}`);
  }
  return loop.kind === 'with_items' ? value.flatMap((v) => (Array.isArray(v) ? v : [v])) : value;
}

/** What one item of a loop adds to the variables: the loop variable, ansible_loop_var, index_var. */
export function loopVariables(loop: LoopSpec, item: unknown, index: number): Record<string, unknown> {
  return { [loop.loopVar]: item, ansible_loop_var: loop.loopVar, ...(loop.indexVar ? { [loop.indexVar]: index } : {}) };
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'a list' : v === null || v === undefined ? 'nothing' : typeof v === 'object' ? 'a map' : `a ${typeof v}`;
}

/**
 * Runs a looped task on one host: once per item, each item reported; one result for the task
 * (failed if any item failed, changed if any changed, skipped if every item was), and `register`
 * gets `results` with each item's result, as in Ansible.
 */
export async function runLoop(call: TaskCall, play: Play, session: HostSession, rc: RunContext, opts: TaskRunOptions): Promise<HostTaskResult> {
  const loop = call.loop!;
  const started = performance.now();
  const base = { host: session.name, play: play.name, task: call.name, type: call.type, reasons: [], diff: [] };
  let items: unknown[];
  try {
    items = loopItems(call.pos, loop, renderValue(loop.items, scopeFor(rc, session, play, call, opts.vars)));
  } catch (error) {
    const message = rc.masker.mask(error instanceof Error ? error.message : String(error));
    if (call.register) session.registered = { ...session.registered, [call.register]: { failed: true, changed: false, msg: message } };
    return { ...base, status: 'failed', durationMs: performance.now() - started, message, ignored: call.ignoreErrors };
  }
  const itemResults: HostTaskResult[] = [];
  const registered: Record<string, unknown>[] = [];
  for (const [index, item] of items.entries()) {
    if (index > 0 && loop.pauseSeconds) await new Promise((r) => setTimeout(r, loop.pauseSeconds! * 1000));
    const loopVars = { ...opts.vars, ...loopVariables(loop, item, index) };
    const label = rc.masker.mask(loop.label ? toText(renderValue(loop.label, scopeFor(rc, session, play, call, loopVars))) : labelOf(item));
    const r = await runTaskOnHost(call, play, session, rc, { ...opts, vars: loopVars, noRegister: true, item: label });
    if (r.status === 'unreachable') return r;
    const shown: HostTaskResult = { ...r, item: label };
    rc.reporter.itemResult?.(shown);
    itemResults.push(shown);
    registered.push({ ...r.result, ...loopVariables(loop, item, index) });
  }
  const failedItem = itemResults.find((r) => r.status === 'failed');
  const status = failedItem ? 'failed' : itemResults.some((r) => r.status === 'changed') ? 'changed' : itemResults.length > 0 && itemResults.every((r) => r.status === 'skipped') ? 'skipped' : 'ok';
  const changed = itemResults.some((r) => r.status === 'changed');
  if (call.register) {
    const value = { changed, failed: !!failedItem, skipped: status === 'skipped', msg: failedItem ? 'One or more items failed' : 'All items completed', results: registered };
    session.registered = { ...session.registered, [call.register]: value };
  }
  const counts = (s: string): number => itemResults.filter((r) => r.status === s).length;
  const summary = `${items.length} item(s): ${['changed', 'ok', 'skipped', 'failed'].map((s) => `${counts(s)} ${s}`).join(', ')}`;
  return {
    ...base,
    status,
    durationMs: performance.now() - started,
    message: failedItem ? `item ${failedItem.item}: ${failedItem.message ?? 'failed'}` : summary,
    reasons: itemResults.flatMap((r) => r.reasons),
    diff: itemResults.flatMap((r) => r.diff),
    ignored: failedItem ? call.ignoreErrors : false,
  };
}

function labelOf(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item);
}
