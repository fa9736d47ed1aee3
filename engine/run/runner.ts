import { computeBatches, mapLimit } from './batches.ts';
import { HostSession } from './host-session.ts';
import { selectHosts } from '../load/host-pattern.ts';
import type { Play, TaskCall } from '../model.ts';
import { emptyCounts, type HostCounts, type HostTaskResult } from '../report/events.ts';
import type { RunContext } from './run-context.ts';
import { flushHandlers, walk, type Walk } from './walk.ts';
import { gatherFacts, takeFactsUnreachable } from './facts.ts';
import { selectedByTags } from './tag-selection.ts';
import { playStartingAt } from './start-at-task.ts';
import { connectionCapacity, ConnectionBudget, openFileLimit } from './connection-budget.ts';

export interface RunOptions {
  /** Host names the run is limited to (already resolved from --limit); undefined = no limit. */
  limit?: Set<string>;
  tags: string[];
  skipTags: string[];
  forks: number;
  /** --force-handlers: notified handlers run on a host even after it failed (not when unreachable). */
  forceHandlers?: boolean;
  /** --start-at-task: earlier plays and, in its play, earlier tasks are skipped (facts are still gathered). */
  startAtTask?: string;
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
  // Open connections are bounded by the open-file limit, not by the host count.
  const budget = new ConnectionBudget(connectionCapacity(openFileLimit()));
  const counts = new Map<string, HostCounts>();
  const results: HostTaskResult[] = [];
  let stopped: string | undefined;
  opts.onHardStop?.(async (ms) => {
    const deadline = Date.now() + ms;
    await Promise.all([...sessions.values()].map((s) => s.stopWrites(deadline)));
  });

  // A delegate_to host outside the play gets a session of its own (localhost is implicit, as in Ansible).
  const sessionFor = (name: string): HostSession => {
    let s = sessions.get(name);
    if (!s) {
      const host = rc.loaded.inventory.hosts.get(name) ?? { name, vars: name === 'localhost' ? { ansible_connection: 'local' } : {}, groups: [] };
      s = new HostSession(host, budget);
      sessions.set(name, s);
    }
    return s;
  };

  const record = (r: HostTaskResult, session: HostSession): void => {
    results.push(r);
    rc.reporter.hostResult(r);
    let c = counts.get(r.host);
    if (!c) counts.set(r.host, (c = emptyCounts()));
    if (r.status === 'failed' && r.ignored) {
      c.ignored++;
      return;
    }
    if (r.status === 'changed') c.ok++;
    c[r.status]++;
    if (r.status === 'failed') session.state = 'failed';
    if (r.status === 'unreachable') session.state = 'unreachable';
    if ((r.status === 'failed' || r.status === 'unreachable') && rc.playState) rc.playState.losses++;
  };

  const startPlay = opts.startAtTask === undefined ? 0 : playStartingAt(rc.loaded.playbook.plays, opts.startAtTask);
  try {
    for (const [playIndex, play] of rc.loaded.playbook.plays.entries()) {
      if (stopped || rc.interrupted.value) break;
      if (playIndex < startPlay) continue;
      const hosts = orderHosts(selectHosts(rc.loaded.inventory, play.hosts).filter((h) => !opts.limit || opts.limit.has(h)), play.order);
      if (hosts.length === 0) {
        rc.reporter.notice(`PLAY [${play.name}]: no hosts matched '${play.hosts}'${opts.limit ? ' (with --limit)' : ''}; skipping`);
        continue;
      }
      for (const h of hosts) {
        if (!sessions.has(h)) sessions.set(h, new HostSession(rc.loaded.inventory.hosts.get(h)!, budget));
        if (!counts.has(h)) counts.set(h, emptyCounts());
      }
      rc.reporter.playStart(play.name, hosts);
      const body = play.body ?? play.tasks;
      const batches = computeBatches(hosts, play.serial);
      const forks = play.forks ?? opts.forks;

      for (const [index, batch] of batches.entries()) {
        if (rc.interrupted.value) {
          rc.reporter.notice(`INTERRUPTED in play '${play.name}': no new task was started. Hosts of later batches left untouched: ${batches.slice(index).flat().join(', ')}`);
          break;
        }
        rc.reporter.batchStart?.(index, batches.length, batch);
        rc.playState = { hosts, batch, sessions, losses: 0 };
        const batchSessions = batch.map((h) => sessions.get(h)!).filter((s) => s.state === 'active');
        for (const s of batchSessions) s.notified.clear();
        const w: Walk = {
          rc,
          play,
          forks,
          batch: batchSessions,
          record,
          rescued: (s) => {
            const c = counts.get(s.name)!;
            c.failed--;
            c.rescued++;
          },
          selected: (t) => selectedByTags([...t.tags, ...play.tags], opts.tags, opts.skipTags),
          delegate: (name) => sessionFor(name),
          announce: play.strategy !== 'free',
          checkStop: () => stopReason(play, batchSessions),
          ended: new Set(),
          endPlay: false,
          endBatch: false,
          hostVars: new Map(),
          forceHandlers: opts.forceHandlers ?? false,
          ...(playIndex === startPlay && opts.startAtTask !== undefined ? { startAt: { pattern: opts.startAtTask, found: false } } : {}),
        };
        if (play.gatherFacts !== false) await gatherFacts(rc, play, batchSessions, forks, record);
        if (play.strategy === 'free') await mapLimit(batchSessions, forks, (s) => walk(body, [s], w, true));
        else await walk(body, batchSessions, w, true);
        // A host unreachable for facts that no task needed is not reported (as if facts were off).
        for (const s of batchSessions) takeFactsUnreachable(s);
        stopped = w.stop ?? stopReason(play, batchSessions);
        if ((!stopped || w.forceHandlers) && !rc.interrupted.value && !w.endPlay) await flushHandlers(batchSessions, w);
        if (w.endPlay) break;
        if (stopped) {
          const untouched = batches.slice(index + 1).flat();
          rc.reporter.notice(`ROLLOUT STOPPED in play '${play.name}': ${stopped}.${untouched.length ? ` Hosts of later batches left untouched: ${untouched.join(', ')}` : ''}`);
          break;
        }
      }
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.end()));
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

function orderHosts(hosts: string[], order: Play['order']): string[] {
  switch (order) {
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle':
      return [...hosts].map((h) => ({ h, k: Math.random() })).sort((a, b) => a.k - b.k).map((x) => x.h);
    default:
      return hosts;
  }
}

