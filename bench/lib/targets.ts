import type { BenchResult } from './report.ts';

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

/** The goals of issue 14, each checked at the host count it names; ratios and times are medians. */
export function checkTargets(r: Omit<BenchResult, 'targets'>): Target[] {
  const targets: Target[] = [];
  const tackle = r.results.find((t) => t.tool === 'tackle');
  const help = r.startup.tackleMainHelpSeconds;
  if (help !== undefined) targets.push({ name: 'tackle --help <= 0.12 s', met: help <= 0.12, detail: `${help.toFixed(3)} s` });
  if (r.loading) {
    const { largeHosts, largeSeconds, smallHosts, growth } = r.loading;
    targets.push({ name: `validate of ${largeHosts.toLocaleString('en')} hosts < 5 s`, met: largeSeconds < 5, detail: `${largeSeconds.toFixed(2)} s` });
    // Linear with a fixed start-up cost grows less than the host count; quadratic grows about its square.
    const hostsRatio = largeHosts / smallHosts;
    targets.push({ name: `loading linear in the host count (${hostsRatio}x hosts: at most ${hostsRatio}x time)`, met: growth <= hostsRatio, detail: `${growth.toFixed(1)}x` });
  }
  if (r.masking) {
    const { manySecrets, fewSecrets, ratio } = r.masking;
    targets.push({ name: `masking a line with ${manySecrets.toLocaleString('en')} secrets costs at most 2x that with ${fewSecrets}`, met: ratio <= 2, detail: `${ratio.toFixed(2)}x` });
  }
  if (!tackle) return targets;
  const upTo = (name: string, value: number, limit: number, unit: string) =>
    targets.push({ name: `${name} <= ${limit} ${unit}`, met: value <= limit, detail: `${value.toFixed(unit === 'MB' ? 0 : 2)} ${unit}` });
  if (r.hosts === 10 && r.ratios) {
    const goals = { warm: 100, check: 100, cold: 25 } as const;
    for (const [mode, goal] of Object.entries(goals) as [keyof typeof goals, number][]) {
      const ratio = r.ratios[mode];
      targets.push({ name: `${mode} at 10 hosts >= ${goal}x faster than Ansible`, met: ratio >= goal, detail: `${ratio.toFixed(1)}x` });
    }
  }
  if (r.hosts === 10) upTo('peak controller memory at 10 hosts', tackle.peakControllerMb, 150, 'MB');
  if (r.hosts === 100) {
    upTo('warm at 100 hosts', tackle.runs.warm.wallSeconds, 2.5, 's');
    upTo('cold at 100 hosts', tackle.runs.cold.wallSeconds, 20, 's');
  }
  if (r.hosts === 1000) {
    upTo('warm at 1,000 hosts', tackle.runs.warm.wallSeconds, 20, 's');
    upTo('peak controller memory at 1,000 hosts', tackle.peakControllerMb, 600, 'MB');
    if (r.nofile !== 1024) targets.push({ name: '1,000 hosts under ulimit -n 1024', met: false, detail: 'run with --nofile 1024 to check' });
    else targets.push({ name: '1,000 hosts under ulimit -n 1024', met: true, detail: 'every run completed with RLIMIT_NOFILE 1024' });
  }
  if (r.growth) {
    targets.push({
      name: `growth from ${r.growth.fromHosts} to ${r.growth.toHosts} hosts (reported)`,
      met: true,
      detail: `warm ${r.growth.ratios.warm.toFixed(2)}x, cold ${r.growth.ratios.cold.toFixed(2)}x, check ${r.growth.ratios.check.toFixed(2)}x for ${(r.growth.toHosts / r.growth.fromHosts).toFixed(0)}x the hosts`,
    });
  }
  return targets;
}
