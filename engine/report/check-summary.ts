import type { HostTaskResult } from './events.ts';

interface HostPlan {
  changes: string[];
  problem?: string;
}

interface Section {
  play: string;
  /** "batch 2/3: host3, host4", or undefined when the play ran in one batch. */
  batch?: string;
  hosts: Map<string, HostPlan>;
}

/**
 * The pre-maintenance report of a --check run: per play and batch, which tasks would change
 * on each host. Fed the same (already masked) events as the reporter that owns it.
 */
export class CheckSummary {
  private readonly sections: Section[] = [];
  private play = '';
  /** Hosts that failed or were unreachable: the runner skips them in later plays. */
  private readonly out = new Set<string>();

  playStart(name: string): void {
    this.play = name;
  }

  batchStart(index: number, total: number, hosts: string[]): void {
    this.sections.push({
      play: this.play,
      batch: total > 1 ? `batch ${index + 1}/${total}: ${hosts.join(', ')}` : undefined,
      hosts: new Map(hosts.map((h) => [h, this.out.has(h) ? { changes: [], problem: 'not run (failed earlier)' } : { changes: [] }])),
    });
  }

  hostResult(r: HostTaskResult): void {
    const plan = this.sections.at(-1)?.hosts.get(r.host);
    if (!plan) return;
    if (r.status === 'changed' && !plan.changes.includes(r.task)) plan.changes.push(r.task);
    if (r.status === 'unreachable') plan.problem ??= 'unreachable';
    if (r.status === 'failed' && !r.ignored) plan.problem ??= `failed at '${r.task}'`;
    if (r.status === 'unreachable' || (r.status === 'failed' && !r.ignored)) this.out.add(r.host);
  }

  lines(): string[] {
    if (this.sections.length === 0) return [];
    const out = ['', 'WOULD CHANGE (check mode: nothing was changed)'];
    let play: string | undefined;
    for (const section of this.sections) {
      if (section.play !== play) {
        play = section.play;
        out.push(`PLAY [${play}]`);
      }
      const indent = section.batch ? '    ' : '  ';
      if (section.batch) out.push(`  ${section.batch}`);
      const width = Math.max(...[...section.hosts.keys()].map((h) => h.length));
      for (const [host, plan] of section.hosts) {
        const changes = plan.changes.length > 0 ? plan.changes.join('; ') : 'nothing to change';
        out.push(`${indent}${host.padEnd(width)} : ${plan.problem ? `${plan.problem}; ` : ''}${changes}`);
      }
    }
    return out;
  }
}
