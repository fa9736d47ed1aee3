import type { HostTaskResult } from './events.ts';
import { GROUP_RECAP_ABOVE, hostListText, someHosts } from './recap.ts';

/** Names listed under a grouped row of the summary; the JSON report has them all. */
const NAMES_PER_ROW = 20;

interface HostPlan {
  changes: string[];
  problem?: string;
}

interface Section {
  play: string;
  /** "batch 2/3: host3, host4" ("batch 2/3: 100 hosts (h100 ... h199)"), or undefined when the play ran in one batch. */
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
      batch: total > 1 ? `batch ${index + 1}/${total}: ${hostListText(hosts)}` : undefined,
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
      out.push(...(section.hosts.size > GROUP_RECAP_ABOVE ? groupedRows(section.hosts, indent) : hostRows(section.hosts, indent)));
    }
    return out;
  }
}

function planText(plan: HostPlan): string {
  return `${plan.problem ? `${plan.problem}; ` : ''}${plan.changes.length > 0 ? plan.changes.join('; ') : 'nothing to change'}`;
}

function hostRows(hosts: Map<string, HostPlan>, indent: string): string[] {
  const width = Math.max(...[...hosts.keys()].map((h) => h.length));
  return [...hosts].map(([host, plan]) => `${indent}${host.padEnd(width)} : ${planText(plan)}`);
}

/**
 * As the recap does above 50 hosts: one row per distinct plan, most common first, with the hosts
 * of every row that would change something or has a problem named under it.
 */
function groupedRows(hosts: Map<string, HostPlan>, indent: string): string[] {
  const rows = new Map<string, { hosts: string[]; quiet: boolean }>();
  for (const [host, plan] of hosts) {
    const text = planText(plan);
    let row = rows.get(text);
    if (!row) rows.set(text, (row = { hosts: [], quiet: plan.changes.length === 0 && !plan.problem }));
    row.hosts.push(host);
  }
  const sorted = [...rows].sort((a, b) => b[1].hosts.length - a[1].hosts.length);
  const labels = sorted.map(([, r]) => `${r.hosts.length} host${r.hosts.length === 1 ? '' : 's'}`);
  const width = Math.max(...labels.map((l) => l.length));
  return sorted.flatMap(([text, row], i) => [
    `${indent}${labels[i]!.padStart(width)} : ${text}`,
    ...(row.quiet ? [] : [`${indent}${' '.repeat(width + 3)}${someHosts(row.hosts, NAMES_PER_ROW)}`]),
  ]);
}
