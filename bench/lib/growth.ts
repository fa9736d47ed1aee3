import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMode } from './checks.ts';
import type { BenchResult, ToolResult } from './report.ts';
import { loginHomeOf } from './login-home.ts';

/**
 * tackle's times at this host count over those of the largest smaller host count measured before
 * with hosts logging in to the same home (the rc files a login runs change every time).
 */
export interface Growth {
  fromHosts: number;
  toHosts: number;
  fromDate: string;
  /** per mode: this run's median wall time / the earlier one's. */
  ratios: Record<RunMode, number>;
}

export function growthFrom(resultsDir: string, tackle: ToolResult, loginHome: string): Growth | null {
  if (!existsSync(resultsDir)) return null;
  const read = (hosts: number) => JSON.parse(readFileSync(join(resultsDir, `latest-${hosts}.json`), 'utf8')) as BenchResult;
  const before = readdirSync(resultsDir)
    .map((f) => /^latest-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) < tackle.hosts)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a)
    .map(read)
    .find((r) => loginHomeOf(r) === loginHome);
  if (before === undefined) return null;
  const then = before.results.find((t) => t.tool === 'tackle');
  if (!then) return null;
  const ratio = (mode: RunMode) => tackle.runs[mode].wallSeconds / then.runs[mode].wallSeconds;
  return { fromHosts: before.hosts, toHosts: tackle.hosts, fromDate: before.date, ratios: { cold: ratio('cold'), warm: ratio('warm'), check: ratio('check') } };
}
