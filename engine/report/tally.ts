import type { HostTaskResult } from './events.ts';

type Outcome = 'ok' | 'changed' | 'failed' | 'ignored' | 'skipped' | 'unreachable';
const ORDER: Outcome[] = ['ok', 'changed', 'failed', 'ignored', 'skipped', 'unreachable'];

/** One task's results over its hosts, as one line: `980 ok · 17 changed · 3 failed`. */
export class TaskTally {
  private readonly counts: Record<Outcome, number> = { ok: 0, changed: 0, failed: 0, ignored: 0, skipped: 0, unreachable: 0 };
  done = 0;

  add(r: HostTaskResult): void {
    this.counts[r.status === 'failed' && r.ignored ? 'ignored' : r.status]++;
    this.done++;
  }

  /** Counts by status, zeros left out; in check mode "changed" reads "would change". */
  line(checkMode: boolean): string {
    const parts = ORDER.filter((o) => this.counts[o] > 0).map((o) => `${this.counts[o]} ${o === 'changed' && checkMode ? 'would change' : o}`);
    return parts.length > 0 ? parts.join(' · ') : 'no results';
  }
}

/** Whether a host's own line is printed under its task: failures always, every host with -v, changed hosts whose diff is printed. */
export function showsHostLine(r: HostTaskResult, opts: { verbose: boolean; diff: boolean }): boolean {
  return r.status === 'failed' || r.status === 'unreachable' || opts.verbose || (opts.diff && r.diff.length > 0);
}
