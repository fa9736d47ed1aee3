/**
 * Preload for profiling: counts and times every Connection call tackle makes over SSH, by the
 * task type and phase (check/change) that made it, then prints a summary on exit. Use:
 *   node --import tsx --import ./bench/profile/trace-connection.ts cli/entry.ts run ...
 * (from the sources: the compiled bundle that bin/tackle.js runs has classes of its own, which
 * this preload does not see). TACKLE_TRACE_HOST=NAME also prints that host's calls one by one,
 * with their start times.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { SshConnection } from '../../engine/connections/ssh/ssh-connection.ts';
import { taskRegistry } from '../../cli/task-registry.ts';

interface Tally {
  count: number;
  totalMs: number;
  maxMs: number;
}

const tallies = new Map<string, Tally>();
const perTask = new Map<string, Tally>();
const started = performance.now();
const phase = new AsyncLocalStorage<string>();
const traced = process.env.TACKLE_TRACE_HOST;
const sequence: string[] = [];

function record(map: Map<string, Tally>, key: string, ms: number): void {
  const t = map.get(key) ?? { count: 0, totalMs: 0, maxMs: 0 };
  t.count++;
  t.totalMs += ms;
  t.maxMs = Math.max(t.maxMs, ms);
  map.set(key, t);
}

type Method = (this: { hostName: string }, ...args: unknown[]) => Promise<unknown>;
const proto = SshConnection.prototype as unknown as Record<string, Method>;
for (const name of ['exec', 'stat', 'readFile', 'writeFile', 'mkdir', 'remove', 'hold']) {
  const original = proto[name]!;
  proto[name] = async function (this: { hostName: string }, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const ms = performance.now() - t0;
      const detail = name === 'exec' || name === 'hold' ? ` ${(args[0] as string[]).slice(0, 3).join(' ')}` : ` ${String(args[0])}`;
      const where = phase.getStore() ?? '(no task)';
      record(tallies, `${name}${name === 'exec' ? ` ${String((args[0] as string[])[0])}` : ''}`, ms);
      record(perTask, where, ms);
      if (this.hostName === traced) sequence.push(`${(t0 - started).toFixed(0).padStart(7)} ms +${ms.toFixed(1).padStart(7)} ms  ${where.padEnd(22)} ${name}${detail.slice(0, 90)}`);
    }
  };
}
for (const def of taskRegistry().values()) {
  const { check, change } = def;
  def.check = (ctx) => phase.run(`${def.name} check`, () => check.call(def, ctx));
  def.change = (ctx, plan) => phase.run(`${def.name} change`, () => change.call(def, ctx, plan));
}
const originalOpen = SshConnection.open.bind(SshConnection);
SshConnection.open = async (spec, mode) => {
  const t0 = performance.now();
  try {
    return await originalOpen(spec, mode);
  } finally {
    record(tallies, 'open (handshake + auth)', performance.now() - t0);
    if (spec.hostName === traced) sequence.push(`${(t0 - started).toFixed(0).padStart(7)} ms +${(performance.now() - t0).toFixed(1).padStart(7)} ms  open`);
  }
};

function table(map: Map<string, Tally>): string {
  const rows = [...map.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
  return rows.map(([k, t]) => `${k.padEnd(28)} ${String(t.count).padStart(6)} calls  ${t.totalMs.toFixed(0).padStart(8)} ms total  ${(t.totalMs / t.count).toFixed(1).padStart(7)} ms avg  ${t.maxMs.toFixed(0).padStart(6)} ms max`).join('\n');
}

process.on('exit', () => {
  const since = (performance.now() - started).toFixed(0);
  process.stderr.write(`\nconnection calls (summed over hosts; ${since} ms since preload):\n${table(tallies)}\n`);
  process.stderr.write(`\nconnection calls by task phase (summed over hosts):\n${table(perTask)}\n`);
  if (traced) process.stderr.write(`\n${traced}, call by call:\n${sequence.join('\n')}\n`);
});
