import type { HostTaskResult } from './events.ts';
import { LineReporter } from './base.ts';
import { renderDiff } from './diff.ts';

/** Line-per-event output for logs and non-TTY stdout. */
export class PlainReporter extends LineReporter {
  taskStart(name: string, type: string): void {
    this.out(`\nTASK [${name}] (${type})`);
  }
  override hostResult(r: HostTaskResult): void {
    super.hostResult(r);
    const label = r.status === 'changed' && this.opts.checkMode ? 'changed (would change)' : r.status;
    const suffix = r.message ? `: ${r.message}` : '';
    this.out(`${label}${r.ignored ? ' (ignored)' : ''}: [${r.host}]${suffix}`);
    if (this.opts.verbose && r.reasons.length > 0 && r.status !== 'failed') this.out(`    reasons: ${r.reasons.join('; ')}`);
    if (this.opts.diff) for (const d of r.diff) this.out(renderDiff(d));
  }
  async taskEnd(): Promise<void> {}
}
