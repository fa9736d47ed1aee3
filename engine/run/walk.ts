import { isBlock, isMeta, type BlockNode, type MetaNode, type Play, type TaskCall, type TaskNode } from '../model.ts';
import type { HostTaskResult } from '../report/events.ts';
import { evaluateCondition } from '../template/template.ts';
import { mapLimit } from './batches.ts';
import type { HostSession } from './host-session.ts';
import { factsUnreachable } from './facts.ts';
import { loopItems, loopVariables, runLoop } from './loop.ts';
import { renderValue } from '../template/template.ts';
import { scopeFor, type RunContext } from './run-context.ts';
import { runTaskOnHost } from './task-on-host.ts';
import { startsAt } from './start-at-task.ts';

/** One batch of one play on its way through the play's tasks. */
export interface Walk {
  rc: RunContext;
  play: Play;
  forks: number;
  batch: HostSession[];
  /** Counts a result and marks a failed or unreachable host. */
  record: (r: HostTaskResult, s: HostSession) => void;
  /** A failure of this host was rescued: it counts as rescued, not failed. */
  rescued: (s: HostSession) => void;
  selected: (t: TaskCall) => boolean;
  /** The session of a delegate_to host. */
  delegate: (name: string) => HostSession;
  /** strategy free: no per-task headers (hosts are at different tasks). */
  announce: boolean;
  /** Why the rollout stops (any_errors_fatal, max_fail_percentage), checked after each top-level step. */
  checkStop: () => string | undefined;
  stop?: string;
  ended: Set<HostSession>;
  endPlay: boolean;
  endBatch: boolean;
  /** Per host, what a rescue sees: ansible_failed_task, ansible_failed_result. */
  hostVars: Map<HostSession, Record<string, unknown>>;
  /** --force-handlers: handlers also run on hosts that failed after they were notified. */
  forceHandlers: boolean;
  /** --start-at-task in this play: tasks are skipped until the first one it names. */
  startAt?: { pattern: string; found: boolean };
}

function live(hosts: readonly HostSession[], w: Walk): HostSession[] {
  return hosts.filter((s) => s.state === 'active' && !w.ended.has(s));
}

/** Runs the nodes on the hosts, in order; a host that fails leaves the rest of its block. */
export async function walk(nodes: readonly TaskNode[], hosts: HostSession[], w: Walk, top = false): Promise<void> {
  for (const node of nodes) {
    if (w.rc.interrupted.value || w.endPlay || w.endBatch || w.stop) return;
    const active = live(hosts, w);
    if (active.length === 0) return;
    if (isBlock(node)) await runBlock(node, active, w);
    else if (isMeta(node)) await runMeta(node, active, w);
    else if (reachedStart(node, w) && w.selected(node)) await runTask(node, active, w);
    if (top) w.stop ??= w.checkStop();
  }
}

function reachedStart(call: TaskCall, w: Walk): boolean {
  if (!w.startAt || w.startAt.found) return true;
  w.startAt.found = startsAt(call, w.startAt.pattern);
  return w.startAt.found;
}

/** block, then rescue on the hosts that failed in it, then always on every host that entered. */
async function runBlock(node: BlockNode, hosts: HostSession[], w: Walk): Promise<void> {
  if (node.loop) return runLoopedInclude(node, hosts, w);
  const entered = node.gate ? hosts.filter((s) => holds(node.gate!, node.name, s, w)) : hosts;
  await runBlockOn(node, entered, w);
}

/**
 * A looped include: item by item, the hosts that have that item run the included tasks with its
 * variables (its `when` is evaluated per item, as in Ansible). A host that fails stops there.
 */
async function runLoopedInclude(node: BlockNode, hosts: HostSession[], w: Walk): Promise<void> {
  const loop = node.loop!;
  const items = new Map<HostSession, unknown[]>();
  for (const s of hosts) {
    try {
      items.set(s, loopItems(node.pos, loop, renderValue(loop.items, scopeFor(w.rc, s, w.play, undefined, w.hostVars.get(s)))));
    } catch (error) {
      w.record({ host: s.name, play: w.play.name, task: node.name, type: 'include', status: 'failed', durationMs: 0, message: w.rc.masker.mask(error instanceof Error ? error.message : String(error)), reasons: [], diff: [] }, s);
    }
  }
  const before = new Map(hosts.map((s) => [s, w.hostVars.get(s)]));
  const count = Math.max(0, ...[...items.values()].map((list) => list.length));
  for (let index = 0; index < count; index++) {
    if (w.rc.interrupted.value || w.endPlay || w.endBatch || w.stop) break;
    if (index > 0 && loop.pauseSeconds) await new Promise((r) => setTimeout(r, loop.pauseSeconds! * 1000));
    const here = live(hosts, w).filter((s) => (items.get(s)?.length ?? 0) > index);
    for (const s of here) w.hostVars.set(s, { ...w.hostVars.get(s), ...loopVariables(loop, items.get(s)![index], index) });
    await runBlockOn(node, node.gate ? here.filter((s) => holds(node.gate!, node.name, s, w)) : here, w);
  }
  // The loop's variables end with it; what the tasks added (ansible_failed_*) stays.
  const keys = Object.keys(loopVariables(loop, undefined, 0));
  for (const [s, saved] of before) {
    const vars = { ...w.hostVars.get(s) };
    for (const k of keys) {
      if (saved && Object.hasOwn(saved, k)) vars[k] = saved[k];
      else delete vars[k];
    }
    w.hostVars.set(s, vars);
  }
}

/** The play's active host lists are computed again (run-context.ts). */
function hostStatesChanged(w: Walk): void {
  if (w.rc.playState) w.rc.playState.losses++;
}

async function runBlockOn(node: BlockNode, entered: HostSession[], w: Walk): Promise<void> {
  if (entered.length === 0) return;
  await walk(node.block, entered, w);
  const failed = entered.filter((s) => s.state === 'failed');
  if (node.rescue.length > 0 && failed.length > 0) {
    for (const s of failed) s.state = 'active';
    hostStatesChanged(w);
    await walk(node.rescue, failed, w);
    for (const s of failed) if (s.state === 'active') w.rescued(s);
  }
  if (node.always.length > 0) {
    const stillFailed = entered.filter((s) => s.state === 'failed');
    for (const s of stillFailed) s.state = 'active';
    hostStatesChanged(w);
    await walk(node.always, entered.filter((s) => s.state === 'active'), w);
    for (const s of stillFailed) if (s.state === 'active') s.state = 'failed';
    hostStatesChanged(w);
  }
}

/** Conditions on one host; an error in them fails the host. */
function holds(conditions: readonly string[], name: string, s: HostSession, w: Walk): boolean {
  try {
    const scope = scopeFor(w.rc, s, w.play, undefined, w.hostVars.get(s));
    return conditions.every((c) => evaluateCondition(c, scope));
  } catch (error) {
    w.record({ host: s.name, play: w.play.name, task: name, type: 'meta', status: 'failed', durationMs: 0, message: error instanceof Error ? error.message : String(error), reasons: [], diff: [] }, s);
    return false;
  }
}

async function runMeta(node: MetaNode, hosts: HostSession[], w: Walk): Promise<void> {
  const chosen = node.when ? hosts.filter((s) => holds(node.when!, node.name, s, w)) : hosts;
  switch (node.meta) {
    case 'flush_handlers':
      await flushHandlers(hosts, w);
      return;
    case 'end_host':
      for (const s of chosen) w.ended.add(s);
      if (chosen.length) w.rc.reporter.notice(`meta: end_host: ${chosen.map((s) => s.name).join(', ')} end the play here`);
      return;
    case 'end_play':
      if (chosen.length) {
        w.endPlay = true;
        w.rc.reporter.notice(`meta: end_play: play '${w.play.name}' ends here`);
      }
      return;
    case 'end_batch':
      if (chosen.length) w.endBatch = true;
      return;
    case 'clear_host_errors':
      for (const s of w.batch) if (s.state === 'failed') s.state = 'active';
      hostStatesChanged(w);
      return;
    default:
      return;
  }
}

async function runTask(call: TaskCall, hosts: HostSession[], w: Walk): Promise<void> {
  // run_once: the first host runs it, and every host sees its registered result.
  const targets = call.runOnce ? hosts.slice(0, 1) : hosts;
  if (w.announce) w.rc.reporter.taskStart(call.name, call.type, targets.map((s) => s.name));
  const limit = Math.min(w.forks, call.throttle ?? w.play.throttle ?? w.forks);
  await mapLimit(targets, limit, async (s) => {
    const r = await runOnHost(call, s, w);
    if (r.status === 'changed') for (const n of call.notify) s.notified.add(n);
  });
  if (call.runOnce && call.register && targets[0]) {
    const value = targets[0].registered[call.register];
    for (const s of hosts) s.registered = { ...s.registered, [call.register]: value };
  }
  if (w.announce) await w.rc.reporter.taskEnd(call.name);
}

async function runOnHost(call: TaskCall, s: HostSession, w: Walk): Promise<HostTaskResult> {
  const unreachable = factsUnreachable(s);
  const opts = { vars: w.hostVars.get(s), delegate: w.delegate, ...(unreachable ? { unreachable } : {}) };
  const r = call.loop ? await runLoop(call, w.play, s, w.rc, opts) : await runTaskOnHost(call, w.play, s, w.rc, opts);
  w.record(r, s);
  if (r.status === 'failed' && !r.ignored) {
    const result = r.result ?? { failed: true, changed: false, msg: r.message };
    w.hostVars.set(s, { ...w.hostVars.get(s), ansible_failed_task: { name: call.name, action: call.type }, ansible_failed_result: result });
  }
  return r;
}

/** The hosts that run notified handlers: the live ones, and with --force-handlers also those that failed. */
function handlerHosts(hosts: readonly HostSession[], w: Walk): HostSession[] {
  if (!w.forceHandlers) return live(hosts, w);
  return hosts.filter((s) => (s.state === 'active' || s.state === 'failed') && !w.ended.has(s));
}

/** Notified handlers run once per host, in definition order; a handler that changes may notify later ones. */
export async function flushHandlers(hosts: HostSession[], w: Walk): Promise<void> {
  // One notification reaches every handler of that name or listening to it, so a name is
  // cleared only after the whole pass, not by the first handler it matched.
  const consumed = new Map<HostSession, Set<string>>();
  for (const handler of w.play.handlers) {
    const names = [handler.name, ...(handler.listen ?? [])];
    const targets = handlerHosts(hosts, w).filter((s) => names.some((n) => s.notified.has(n)));
    if (targets.length === 0) continue;
    const label = `handler: ${handler.name}`;
    if (w.announce) w.rc.reporter.taskStart(label, handler.type, targets.map((s) => s.name));
    await mapLimit(targets, w.forks, async (s) => {
      const done = consumed.get(s) ?? new Set<string>();
      consumed.set(s, done);
      for (const n of names) if (s.notified.has(n)) done.add(n);
      const r = await runOnHost(handler, s, w);
      if (r.status === 'changed') for (const n of handler.notify) s.notified.add(n);
    });
    if (w.announce) await w.rc.reporter.taskEnd(handler.name);
  }
  for (const [s, done] of consumed) for (const n of done) s.notified.delete(n);
}
