import type { HostTaskResult, Reporter } from './events.ts';
import { renderDiff } from './diff.ts';
import { CheckSummary } from './check-summary.ts';

/** Line-per-event output for logs and non-TTY stdout. */
export class PlainReporter implements Reporter {
  constructor(
    private readonly out: (line: string) => void,
    private readonly opts: { diff: boolean; verbose: boolean; checkMode: boolean },
  ) {}

  private readonly summary = new CheckSummary();

  playStart(name: string, hosts: string[]): void {
    this.summary.playStart(name);
    this.out(`\nPLAY [${name}] (${hosts.length} host${hosts.length === 1 ? '' : 's'})`);
  }
  batchStart(index: number, total: number, hosts: string[]): void {
    this.summary.batchStart(index, total, hosts);
    if (total > 1) this.out(`-- batch ${index + 1}/${total}: ${hosts.join(', ')}`);
  }
  taskStart(name: string, type: string): void {
    this.out(`\nTASK [${name}] (${type})`);
  }
  hostResult(r: HostTaskResult): void {
    this.summary.hostResult(r);
    const label = r.status === 'changed' && this.opts.checkMode ? 'changed (would change)' : r.status;
    const suffix = r.message ? `: ${r.message}` : '';
    this.out(`${label}${r.ignored ? ' (ignored)' : ''}: [${r.host}]${suffix}`);
    if (this.opts.verbose && r.reasons.length > 0 && r.status !== 'failed') this.out(`    reasons: ${r.reasons.join('; ')}`);
    if (this.opts.diff) for (const d of r.diff) this.out(renderDiff(d));
  }
  async taskEnd(): Promise<void> {}
  notice(text: string): void {
    this.out(text);
  }
  verbose(host: string, text: string): void {
    if (this.opts.verbose) this.out(`    [${host}] ${text}`);
  }
  async end(): Promise<void> {
    if (this.opts.checkMode) for (const line of this.summary.lines()) this.out(line);
  }
}
