/**
 * Preload for profiling: counts and times every Connection call tackle makes over SSH, and
 * the tasks' check/change phases, then prints a summary on exit. Use:
 *   node --import tsx --import ./bench/profile/trace-connection.ts cli/entry.ts run ...
 * (from the sources: the compiled bundle that bin/tackle.js runs has classes of its own, which
 * this preload does not see)
 */
import { SshConnection } from '../../engine/connections/ssh/ssh-connection.ts';

interface Tally {
  count: number;
  totalMs: number;
  maxMs: number;
}

const tallies = new Map<string, Tally>();
const started = performance.now();

function record(key: string, ms: number): void {
  const t = tallies.get(key) ?? { count: 0, totalMs: 0, maxMs: 0 };
  t.count++;
  t.totalMs += ms;
  t.maxMs = Math.max(t.maxMs, ms);
  tallies.set(key, t);
}

type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;
const proto = SshConnection.prototype as unknown as Record<string, Method>;
for (const name of ['exec', 'stat', 'readFile', 'writeFile', 'mkdir', 'remove']) {
  const original = proto[name]!;
  proto[name] = async function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const detail = name === 'exec' ? ` ${String((args[0] as string[])[0])}` : '';
      record(`${name}${detail}`, performance.now() - t0);
    }
  };
}
const originalOpen = SshConnection.open.bind(SshConnection);
SshConnection.open = async (spec) => {
  const t0 = performance.now();
  try {
    return await originalOpen(spec);
  } finally {
    record('open (handshake + auth)', performance.now() - t0);
  }
};

process.on('exit', () => {
  const rows = [...tallies.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
  const lines = rows.map(([k, t]) => `${k.padEnd(28)} ${String(t.count).padStart(6)} calls  ${t.totalMs.toFixed(0).padStart(8)} ms total  ${(t.totalMs / t.count).toFixed(1).padStart(7)} ms avg  ${t.maxMs.toFixed(0).padStart(6)} ms max`);
  process.stderr.write(`\nconnection calls (summed over hosts; ${(performance.now() - started).toFixed(0)} ms since preload):\n${lines.join('\n')}\n`);
});
