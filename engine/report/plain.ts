import type { HostTaskResult } from './events.ts';
import { LineReporter } from './base.ts';
import { renderDiff } from './diff.ts';
import { showsHostLine, TaskTally } from './tally.ts';

interface TaskBlock {
  header: string;
  tally: TaskTally;
  /** Each host's lines, printed in the task's host order whatever order the hosts finished in. */
  lines: Map<string, string[]>;
}

/**
 * Output for logs and non-TTY stdout, readable at any host count: per task one line of counts by
 * status, then a line per failed or unreachable host (every host with -v, and the hosts whose
 * diff --diff prints).
 */
export class PlainReporter extends LineReporter {
  private task: TaskBlock | null = null;

  taskStart(name: string, type: string, hosts: string[]): void {
    this.task = { header: `TASK [${name}] (${type})`, tally: new TaskTally(), lines: new Map(hosts.map((h) => [h, []])) };
  }

  private linesOf(host: string): string[] {
    const lines = this.task!.lines.get(host) ?? [];
    this.task!.lines.set(host, lines);
    return lines;
  }

  override hostResult(r: HostTaskResult): void {
    super.hostResult(r);
    const lines = showsHostLine(r, this.opts) ? this.hostLines(r) : [];
    if (!this.task) {
      // strategy: free reports results outside any task block.
      for (const line of lines) this.out(line);
      return;
    }
    this.task.tally.add(r);
    this.linesOf(r.host).push(...lines);
  }

  override verbose(host: string, text: string): void {
    if (!this.opts.verbose) return;
    if (this.task) this.linesOf(host).push(`    [${host}] ${text}`);
    else super.verbose(host, text);
  }

  async taskEnd(): Promise<void> {
    if (!this.task) return;
    this.out(`\n${this.task.header}  ${this.task.tally.line(this.opts.checkMode)}`);
    for (const lines of this.task.lines.values()) for (const line of lines) this.out(line);
    this.task = null;
  }

  private hostLines(r: HostTaskResult): string[] {
    const label = r.status === 'changed' && this.opts.checkMode ? 'changed (would change)' : r.status;
    const lines = [`${label}${r.ignored ? ' (ignored)' : ''}: [${r.host}]${r.message ? `: ${r.message}` : ''}`];
    if (this.opts.verbose && r.reasons.length > 0 && r.status !== 'failed') lines.push(`    reasons: ${r.reasons.join('; ')}`);
    if (this.opts.diff) for (const d of r.diff) lines.push(renderDiff(d));
    return lines;
  }

  /** A loop item: shown under its task like a host line (failures, or every item with -v). */
  itemResult(r: HostTaskResult): void {
    if (!showsHostLine(r, this.opts)) return;
    const [first, ...rest] = this.hostLines(r);
    const lines = [first!.replace(`[${r.host}]`, `[${r.host}] (item=${r.item ?? ''})`), ...rest];
    if (this.task) this.linesOf(r.host).push(...lines);
    else for (const line of lines) this.out(line);
  }
}
