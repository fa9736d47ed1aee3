import { writeOwnFile } from './local-file.ts';
import type { Slice } from '../load/slice.ts';
import type { HostCounts, HostTaskResult } from './events.ts';

export interface JsonReport {
  check: boolean;
  durationMs: number;
  /** The playbook and inventory as given on the command line, so `tackle report merge` can name the retry file. */
  playbook?: string;
  inventory?: string;
  /** Set when the run was `--slice K/N`: `tackle report merge` needs every slice of N. */
  slice?: Slice;
  interrupted?: boolean;
  hosts: Record<string, Omit<HostCounts, 'rescued'>>;
  results: { host: string; play: string; task: string; type: string; status: string; durationMs: number; message: string }[];
}

export interface RunIdentity {
  playbook: string;
  inventory?: string;
  slice?: Slice;
  interrupted: boolean;
}

/** The --report FILE document. Inputs are already masked. Every host is kept, however many. */
export function buildJsonReport(
  check: boolean,
  durationMs: number,
  counts: Map<string, HostCounts>,
  results: HostTaskResult[],
  identity?: RunIdentity,
): JsonReport {
  const hosts: JsonReport['hosts'] = {};
  for (const [host, c] of counts) {
    hosts[host] = { ok: c.ok, changed: c.changed, failed: c.failed, unreachable: c.unreachable, skipped: c.skipped, ignored: c.ignored };
  }
  return {
    check,
    durationMs: Math.round(durationMs),
    ...(identity
      ? { playbook: identity.playbook, ...(identity.inventory ? { inventory: identity.inventory } : {}), ...(identity.slice ? { slice: identity.slice } : {}), interrupted: identity.interrupted }
      : {}),
    hosts,
    results: results.map((r) => ({
      host: r.host,
      play: r.play,
      task: r.task,
      type: r.type,
      status: r.status,
      durationMs: Math.round(r.durationMs),
      message: r.message ?? '',
    })),
  };
}

export async function writeJsonReport(file: string, report: JsonReport): Promise<void> {
  // Messages may quote hosts' output: readable by the operator alone.
  await writeOwnFile(file, JSON.stringify(report, null, 2) + '\n', 0o600);
}
