import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult } from './report.ts';

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

const MEMORY_LIMIT_MB = 300;
const WARM_GROWTH_LIMIT = 5;

/**
 * The speed goals: at 10 hosts tackle beats Ansible 30x warm and check, 10x cold; at 100
 * hosts its warm run stays within 5x of its own 10-host warm run, under 300 MB.
 */
export function checkTargets(r: Omit<BenchResult, 'targets'>, resultsDir: string): Target[] {
  const targets: Target[] = [];
  const tackle = r.results.find((t) => t.tool === 'tackle');
  if (r.hosts === 10 && r.ratios) {
    const goals = { warm: 30, check: 30, cold: 10 } as const;
    for (const [mode, goal] of Object.entries(goals) as [keyof typeof goals, number][]) {
      const ratio = r.ratios[mode];
      targets.push({ name: `${mode} at 10 hosts >= ${goal}x faster than Ansible`, met: ratio >= goal, detail: `${ratio.toFixed(1)}x` });
    }
  }
  if (tackle && r.hosts >= 100) {
    const tenFile = join(resultsDir, 'latest-10.json');
    if (existsSync(tenFile)) {
      const ten = JSON.parse(readFileSync(tenFile, 'utf8')) as BenchResult;
      const warm10 = ten.results.find((t) => t.tool === 'tackle')?.runs.warm.wallSeconds;
      if (warm10 !== undefined) {
        const growth = tackle.runs.warm.wallSeconds / warm10;
        targets.push({
          name: `warm at ${r.hosts} hosts within ${WARM_GROWTH_LIMIT}x of warm at 10 hosts`,
          met: growth <= WARM_GROWTH_LIMIT,
          detail: `${tackle.runs.warm.wallSeconds.toFixed(2)} s vs ${warm10.toFixed(2)} s (${growth.toFixed(1)}x; 10-host run of ${ten.date})`,
        });
      }
    } else {
      targets.push({ name: 'warm growth from 10 hosts', met: false, detail: 'no bench/results/latest-10.json to compare with: run --hosts 10 first' });
    }
    targets.push({
      name: `peak controller memory at ${r.hosts} hosts < ${MEMORY_LIMIT_MB} MB`,
      met: tackle.peakControllerMb < MEMORY_LIMIT_MB,
      detail: `${tackle.peakControllerMb.toFixed(0)} MB`,
    });
  }
  return targets;
}
