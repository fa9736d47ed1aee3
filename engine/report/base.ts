import type { HostTaskResult, Reporter } from './events.ts';
import { CheckSummary } from './check-summary.ts';
import { hostListText } from './recap.ts';

export interface ReporterOptions {
  diff: boolean;
  verbose: boolean;
  checkMode: boolean;
}

/** What both reporters print the same way: play and batch headers, notices, -v lines, the --check summary. */
export abstract class LineReporter implements Reporter {
  protected readonly summary = new CheckSummary();

  constructor(
    protected readonly out: (line: string) => void,
    protected readonly opts: ReporterOptions,
  ) {}

  playStart(name: string, hosts: string[]): void {
    this.summary.playStart(name);
    this.out(`\nPLAY [${name}] (${hosts.length} host${hosts.length === 1 ? '' : 's'})`);
  }
  batchStart(index: number, total: number, hosts: string[]): void {
    this.summary.batchStart(index, total, hosts);
    if (total > 1) this.out(`-- batch ${index + 1}/${total}: ${hostListText(hosts)}`);
  }
  abstract taskStart(name: string, type: string, hosts: string[]): void;
  hostResult(r: HostTaskResult): void {
    this.summary.hostResult(r);
  }
  abstract taskEnd(name: string): Promise<void>;
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
