import { Listr } from 'listr2';
import type { HostTaskResult } from './events.ts';
import { LineReporter } from './base.ts';
import { renderDiff } from './diff.ts';

interface Pending {
  resolve(r: HostTaskResult): void;
}

/**
 * listr2 progress on a TTY: one block per task, one line per host that turns into the
 * host's status. The runner drives execution; this only mirrors it.
 */
export class ProgressReporter extends LineReporter {
  private current: { list: Promise<unknown>; pending: Map<string, Pending>; diffs: string[] } | null = null;

  taskStart(name: string, type: string, hosts: string[]): void {
    const pending = new Map<string, Pending>();
    const results = new Map<string, Promise<HostTaskResult>>();
    for (const host of hosts) {
      results.set(host, new Promise((resolve) => pending.set(host, { resolve })));
    }
    const list = new Listr(
      [
        {
          title: `${name} (${type})`,
          task: (_ctx, task) =>
            task.newListr(
              hosts.map((host) => ({
                title: host,
                task: async (_c, sub) => {
                  const r = await results.get(host)!;
                  sub.title = this.hostLine(r);
                  if (r.status === 'failed' && !r.ignored) throw new Error(this.hostLine(r));
                  if (r.status === 'skipped') sub.skip(this.hostLine(r));
                },
              })),
              { concurrent: true, exitOnError: false },
            ),
        },
      ],
      { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false } },
    );
    this.current = { list: list.run().catch(() => undefined), pending, diffs: [] };
  }

  override hostResult(r: HostTaskResult): void {
    super.hostResult(r);
    if (!this.current) {
      // strategy: free reports results outside any task block.
      this.out(`${this.hostLine(r)} (${r.task})`);
      if (this.opts.diff) for (const d of r.diff) this.out(renderDiff(d));
      return;
    }
    if (this.opts.diff) for (const d of r.diff) this.current.diffs.push(`[${r.host}]\n${renderDiff(d)}`);
    this.current.pending.get(r.host)?.resolve(r);
  }

  async taskEnd(): Promise<void> {
    if (!this.current) return;
    await this.current.list;
    for (const d of this.current.diffs) this.out(d);
    this.current = null;
  }

  private hostLine(r: HostTaskResult): string {
    const status = r.status === 'changed' && this.opts.checkMode ? 'would change' : r.status;
    return `${r.host}: ${status}${r.ignored ? ' (ignored)' : ''}${r.message ? ` - ${r.message}` : ''}`;
  }
}
