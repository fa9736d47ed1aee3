import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMode } from './checks.ts';
import type { BenchResult, ToolResult } from './report.ts';

/** tackle's times at this host count over those of the largest smaller host count measured before. */
export interface Growth {
  fromHosts: number;
  toHosts: number;
  fromDate: string;
  /** per mode: this run's median wall time / the earlier one's. */
  ratios: Record<RunMode, number>;
}

export function growthFrom(resultsDir: string, tackle: ToolResult): Growth | null {
  if (!existsSync(resultsDir)) return null;
  const earlier = readdirSync(resultsDir)
    .map((f) => /^latest-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) < tackle.hosts)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a)[0];
  if (earlier === undefined) return null;
  const before = JSON.parse(readFileSync(join(resultsDir, `latest-${earlier}.json`), 'utf8')) as BenchResult;
  const then = before.results.find((t) => t.tool === 'tackle');
  if (!then) return null;
  const ratio = (mode: RunMode) => tackle.runs[mode].wallSeconds / then.runs[mode].wallSeconds;
  return { fromHosts: earlier, toHosts: tackle.hosts, fromDate: before.date, ratios: { cold: ratio('cold'), warm: ratio('warm'), check: ratio('check') } };
}
