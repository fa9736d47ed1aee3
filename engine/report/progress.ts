import { Listr } from 'listr2';
import type { HostTaskResult, Reporter } from './events.ts';
import { renderDiff } from './diff.ts';
import { CheckSummary } from './check-summary.ts';

interface Pending {
  resolve(r: HostTaskResult): void;
}

/**
 * listr2 progress on a TTY: one block per task, one line per host that turns into the
 * host's status. The runner drives execution; this only mirrors it.
 */
export class ProgressReporter implements Reporter {
  private current: { list: Promise<unknown>; pending: Map<string, Pending>; diffs: string[] } | null = null;

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

  hostResult(r: HostTaskResult): void {
    this.summary.hostResult(r);
    if (!this.current) return;
    if (this.opts.diff) for (const d of r.diff) this.current.diffs.push(`[${r.host}]\n${renderDiff(d)}`);
    this.current.pending.get(r.host)?.resolve(r);
  }

  async taskEnd(): Promise<void> {
    if (!this.current) return;
    await this.current.list;
    for (const d of this.current.diffs) this.out(d);
    this.current = null;
  }

  notice(text: string): void {
    this.out(text);
  }
  verbose(host: string, text: string): void {
    if (this.opts.verbose) this.out(`    [${host}] ${text}`);
  }
  async end(): Promise<void> {
    if (this.opts.checkMode) for (const line of this.summary.lines()) this.out(line);
  }

  private hostLine(r: HostTaskResult): string {
    const status = r.status === 'changed' && this.opts.checkMode ? 'would change' : r.status;
    return `${r.host}: ${status}${r.ignored ? ' (ignored)' : ''}${r.message ? ` - ${r.message}` : ''}`;
  }
}
