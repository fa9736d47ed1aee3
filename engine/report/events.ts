import type { TaskStatus } from '../run/execute-task.ts';
import type { FileDiff, Fingerprint } from '../task.ts';

/** One task's result on one host, already masked. */
export interface HostTaskResult {
  host: string;
  play: string;
  task: string;
  type: string;
  status: TaskStatus;
  durationMs: number;
  message?: string;
  reasons: string[];
  diff: FileDiff[];
  ignored?: boolean;
  /** What `register` stores for this result. */
  result?: Record<string, unknown>;
  /** A loop item's label, on the result of one item. */
  item?: string;
  /** What the task's check read (masked), when it ran. */
  fingerprint?: Fingerprint;
  /** The task's own digest of its planned change (CheckResult.change), when it would change. */
  change?: string;
  /** Inputs an earlier task would change (check mode) when the check ran. */
  dependsOnPending?: string[];
}

export interface HostCounts {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** What the runner tells whoever shows progress. Every string is already masked. */
export interface Reporter {
  playStart(name: string, hosts: string[]): void;
  batchStart?(index: number, total: number, hosts: string[]): void;
  taskStart(name: string, type: string, hosts: string[]): void;
  hostResult(result: HostTaskResult): void;
  /** One item of a looped task (the task's own result follows through hostResult). */
  itemResult?(result: HostTaskResult): void;
  taskEnd(name: string): Promise<void>;
  /** Free-form notice (warning, rollout stopped, retry file written). */
  notice(text: string): void;
  /** Verbose (-v) line. */
  verbose(host: string, text: string): void;
  end(): Promise<void>;
}

export function emptyCounts(): HostCounts {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
