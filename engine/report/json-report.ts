import { writeFile } from 'node:fs/promises';
import type { HostCounts, HostTaskResult } from './events.ts';

export interface JsonReport {
  check: boolean;
  durationMs: number;
  hosts: Record<string, Omit<HostCounts, 'ignored'>>;
  results: { host: string; play: string; task: string; type: string; status: string; durationMs: number; message: string }[];
}

/** The --report FILE document. Inputs are already masked. */
export function buildJsonReport(check: boolean, durationMs: number, counts: Map<string, HostCounts>, results: HostTaskResult[]): JsonReport {
  const hosts: JsonReport['hosts'] = {};
  for (const [host, c] of counts) {
    hosts[host] = { ok: c.ok, changed: c.changed, failed: c.failed, unreachable: c.unreachable, skipped: c.skipped };
  }
  return {
    check,
    durationMs: Math.round(durationMs),
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
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
}
