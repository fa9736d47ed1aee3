import { Listr } from 'listr2';
import type { HostTaskResult } from './events.ts';
import { LineReporter } from './base.ts';
import { renderDiff } from './diff.ts';
import { TaskTally } from './tally.ts';

/** Per task, at most this many failed (and, with -v, changed) hosts are expanded; the recap names them all. */
const EXPANDED_HOSTS = 20;

interface Current {
  list: Promise<unknown>;
  tally: TaskTally;
  hosts: number;
  finish(): void;
  /** The title with the counts so far. */
  title(): string;
  setTitle?(title: string): void;
  /** Position of each host in the task's host list: expanded hosts are listed in that order. */
  order: Map<string, number>;
  failed: [number, string][];
  changed: [number, string][];
  diffs: string[];
}

/**
 * listr2 progress on a TTY, one line per task whatever the host count: the task's name and its
 * counts by status (`✔ quay config.yaml  980 ok · 17 changed · 3 failed`), live while it runs.
 * Below a finished task, its failed hosts (and changed ones with -v). The runner drives
 * execution; this only mirrors it.
 */
export class ProgressReporter extends LineReporter {
  private current: Current | null = null;

  taskStart(name: string, _type: string, hosts: string[]): void {
    let finish = (): void => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const tally = new TaskTally();
    const title = (): string => `${name}  ${tally.line(this.opts.checkMode)}`;
    const current: Current = { list: Promise.resolve(), tally, hosts: hosts.length, finish, title, order: new Map(hosts.map((h, i) => [h, i])), failed: [], changed: [], diffs: [] };
    const list = new Listr(
      [
        {
          title: `${name}  0/${hosts.length}`,
          task: async (_ctx, task) => {
            current.setTitle = (t) => (task.title = t);
            await finished;
            task.title = title();
          },
        },
      ],
      { exitOnError: false, rendererOptions: { showErrorMessage: false } },
    );
    current.list = list.run().catch(() => undefined);
    this.current = current;
  }

  override hostResult(r: HostTaskResult): void {
    super.hostResult(r);
    const current = this.current;
    if (!current) {
      // strategy: free reports results outside any task block: only what plain output would show.
      if (r.status === 'failed' || r.status === 'unreachable' || (this.opts.verbose && r.status === 'changed')) this.out(`${this.hostLine(r)} (${r.task})`);
      if (this.opts.diff) for (const d of r.diff) this.out(renderDiff(d));
      return;
    }
    current.tally.add(r);
    current.setTitle?.(`${current.title()}  [${current.tally.done}/${current.hosts}]`);
    const at = current.order.get(r.host) ?? current.order.size;
    if (r.status === 'failed' || r.status === 'unreachable') current.failed.push([at, `  ✖ ${indentLines(this.hostLine(r))}`]);
    else if (r.status === 'changed' && this.opts.verbose) current.changed.push([at, `  ● ${indentLines(this.hostLine(r))}`]);
    if (this.opts.diff) for (const d of r.diff) current.diffs.push(`[${r.host}]\n${renderDiff(d)}`);
  }

  async taskEnd(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.finish();
    await current.list;
    for (const [lines, more] of [
      [current.failed, 'failed or unreachable hosts, all named in the recap'],
      [current.changed, 'changed hosts, all in the --report file'],
    ] as const) {
      lines.sort((a, b) => a[0] - b[0]);
      for (const [, line] of lines.slice(0, EXPANDED_HOSTS)) this.out(line);
      if (lines.length > EXPANDED_HOSTS) this.out(`  … and ${lines.length - EXPANDED_HOSTS} more ${more}`);
    }
    for (const d of current.diffs) this.out(d);
    this.current = null;
  }

  private hostLine(r: HostTaskResult): string {
    const status = r.status === 'changed' && this.opts.checkMode ? 'would change' : r.status;
    return `${r.host}: ${status}${r.ignored ? ' (ignored)' : ''}${r.message ? ` - ${r.message}` : ''}`;
  }
}

/** A multi-line message (a command's stderr) indented under its host's line. */
function indentLines(text: string): string {
  return text.replaceAll('\n', '\n    ');
}
