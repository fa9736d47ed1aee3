import { computeBatches, mapLimit } from './batches.ts';
import { HostSession } from './host-session.ts';
import { selectHosts } from '../load/host-pattern.ts';
import type { Play, TaskCall } from '../model.ts';
import { emptyCounts, type HostCounts, type HostTaskResult } from '../report/events.ts';
import type { RunContext } from './run-context.ts';
import { runTaskOnHost } from './task-on-host.ts';

export interface RunOptions {
  /** Host names the run is limited to (already resolved from --limit); undefined = no limit. */
  limit?: Set<string>;
  tags: string[];
  skipTags: string[];
  forks: number;
  /**
   * Receives the run's hard stop, for a second Ctrl-C: no new write begins and the temp files of
   * writes in flight are removed, for at most `ms` milliseconds.
   */
  onHardStop?: (stop: (ms: number) => Promise<void>) => void;
}

export interface RunSummary {
  counts: Map<string, HostCounts>;
  results: HostTaskResult[];
  /** Hosts that failed or were unreachable, for the retry file. */
  failedHosts: string[];
  anyFailed: boolean;
  anyUnreachable: boolean;
  interrupted: boolean;
  /** Why the rollout stopped early, when it did. */
  stopped?: string;
}

/** Runs every play of the loaded playbook. Tasks in order; hosts of a batch concurrently. */
export async function runPlaybook(rc: RunContext, opts: RunOptions): Promise<RunSummary> {
  const sessions = new Map<string, HostSession>();
  const counts = new Map<string, HostCounts>();
  const results: HostTaskResult[] = [];
  let stopped: string | undefined;
  opts.onHardStop?.(async (ms) => {
    const deadline = Date.now() + ms;
    await Promise.all([...sessions.values()].map((s) => s.stopWrites(deadline)));
  });

  const record = (r: HostTaskResult, session: HostSession): void => {
    results.push(r);
    rc.reporter.hostResult(r);
    const c = counts.get(r.host)!;
    if (r.status === 'failed' && r.ignored) {
      c.ignored++;
      return;
    }
    if (r.status === 'changed') c.ok++;
    c[r.status]++;
    if (r.status === 'failed') session.state = 'failed';
    if (r.status === 'unreachable') session.state = 'unreachable';
  };

  try {
    for (const play of rc.loaded.playbook.plays) {
      if (stopped || rc.interrupted.value) break;
      const hosts = selectHosts(rc.loaded.inventory, play.hosts).filter((h) => !opts.limit || opts.limit.has(h));
      if (hosts.length === 0) {
        rc.reporter.notice(`PLAY [${play.name}]: no hosts matched '${play.hosts}'${opts.limit ? ' (with --limit)' : ''}; skipping`);
        continue;
      }
      for (const h of hosts) {
        if (!sessions.has(h)) sessions.set(h, new HostSession(rc.loaded.inventory.hosts.get(h)!));
        if (!counts.has(h)) counts.set(h, emptyCounts());
      }
      rc.reporter.playStart(play.name, hosts);
      const tasks = play.tasks.filter((t) => selectedByTags(t, play, opts));
      const batches = computeBatches(hosts, play.serial);
      const forks = play.forks ?? opts.forks;

      for (const [index, batch] of batches.entries()) {
        if (rc.interrupted.value) {
          rc.reporter.notice(`INTERRUPTED in play '${play.name}': no new task was started. Hosts of later batches left untouched: ${batches.slice(index).flat().join(', ')}`);
          break;
        }
        rc.reporter.batchStart?.(index, batches.length, batch);
        const batchSessions = batch.map((h) => sessions.get(h)!).filter((s) => s.state === 'active');
        for (const s of batchSessions) s.notified.clear();
        const runBatch = play.strategy === 'free' ? runFree : runLinear;
        stopped = await runBatch(rc, play, tasks, batchSessions, forks, record);
        if (!stopped && !rc.interrupted.value) await runHandlers(rc, play, batchSessions, forks, record);
        if (stopped) {
          const untouched = batches.slice(index + 1).flat();
          rc.reporter.notice(`ROLLOUT STOPPED in play '${play.name}': ${stopped}.${untouched.length ? ` Hosts of later batches left untouched: ${untouched.join(', ')}` : ''}`);
          break;
        }
      }
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }

  const failedHosts = [...sessions.values()].filter((s) => s.state !== 'active').map((s) => s.name);
  return {
    counts,
    results,
    failedHosts,
    anyFailed: [...counts.values()].some((c) => c.failed > 0),
    anyUnreachable: [...counts.values()].some((c) => c.unreachable > 0),
    interrupted: rc.interrupted.value,
    stopped,
  };
}

type Record_ = (r: HostTaskResult, session: HostSession) => void;

/** Runs one task on one host, records the result and, when it changed something, notes the handlers it notifies. */
async function runAndNotify(rc: RunContext, play: Play, task: TaskCall, s: HostSession, record: Record_): Promise<void> {
  const r = await runTaskOnHost(task, play, s, rc);
  record(r, s);
  if (r.status === 'changed') for (const n of task.notify) s.notified.add(n);
}

/** Linear: a task finishes on every host of the batch before the next starts. Returns a stop reason. */
async function runLinear(rc: RunContext, play: Play, tasks: TaskCall[], batch: HostSession[], forks: number, record: Record_): Promise<string | undefined> {
  for (const task of tasks) {
    if (rc.interrupted.value) return undefined;
    const active = batch.filter((s) => s.state === 'active');
    if (active.length === 0) return undefined;
    rc.reporter.taskStart(task.name, task.type, active.map((s) => s.name));
    await mapLimit(active, forks, (s) => runAndNotify(rc, play, task, s, record));
    await rc.reporter.taskEnd(task.name);
    const stop = stopReason(play, batch);
    if (stop) return stop;
  }
  return undefined;
}

/**
 * Free: each host runs through the tasks at its own pace. Once the batch's failures call for a stop,
 * no host starts another task (tasks already running finish).
 */
async function runFree(rc: RunContext, play: Play, tasks: TaskCall[], batch: HostSession[], forks: number, record: Record_): Promise<string | undefined> {
  let stop: string | undefined;
  await mapLimit(batch, forks, async (s) => {
    for (const task of tasks) {
      if (s.state !== 'active' || rc.interrupted.value || stop) return;
      await runAndNotify(rc, play, task, s, record);
      stop ??= stopReason(play, batch);
    }
  });
  return stop ?? stopReason(play, batch);
}

/** Notified handlers run once per host, in definition order, on hosts that have not failed. */
async function runHandlers(rc: RunContext, play: Play, batch: HostSession[], forks: number, record: Record_): Promise<void> {
  for (const handler of play.handlers) {
    const names = [handler.name, ...(handler.listen ?? [])];
    const hosts = batch.filter((s) => s.state === 'active' && names.some((n) => s.notified.has(n)));
    if (hosts.length === 0) continue;
    rc.reporter.taskStart(`handler: ${handler.name}`, handler.type, hosts.map((s) => s.name));
    await mapLimit(hosts, forks, async (s) => record(await runTaskOnHost(handler, play, s, rc), s));
    await rc.reporter.taskEnd(handler.name);
  }
}

function stopReason(play: Play, batch: HostSession[]): string | undefined {
  const failed = batch.filter((s) => s.state !== 'active');
  if (failed.length === 0) return undefined;
  if (play.anyErrorsFatal) return `any_errors_fatal: ${failed.map((s) => s.name).join(', ')} failed`;
  if (play.maxFailPercentage !== undefined) {
    const pct = (failed.length / batch.length) * 100;
    if (pct > play.maxFailPercentage) {
      return `${failed.length} of ${batch.length} hosts in the batch failed (${pct.toFixed(0)}% > max_fail_percentage ${play.maxFailPercentage}%)`;
    }
  }
  return undefined;
}

function selectedByTags(task: TaskCall, play: Play, opts: RunOptions): boolean {
  const tags = new Set([...task.tags, ...play.tags]);
  if (opts.skipTags.some((t) => tags.has(t))) return false;
  if (opts.tags.length === 0 || tags.has('always')) return true;
  return opts.tags.some((t) => tags.has(t) || t === 'all');
}
