export const RUN_MODES = ['cold', 'warm', 'check'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** A benchmark result that cannot be trusted: the bench stops and exits non-zero. */
export class BenchError extends Error {
  override name = 'BenchError';
}

export interface HostCounts {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
}

/**
 * Every host ran, nothing failed; cold changed something on every host, and warm and check
 * (on converged hosts) changed nothing anywhere.
 */
export function verifyCounts(tool: string, mode: RunMode, hostNames: readonly string[], counts: Map<string, Partial<HostCounts>>): void {
  const problems: string[] = [];
  for (const host of hostNames) {
    const c = counts.get(host);
    if (!c) {
      problems.push(`${host}: missing from the recap`);
      continue;
    }
    if (c.failed !== 0 || c.unreachable !== 0) problems.push(`${host}: failed=${c.failed} unreachable=${c.unreachable}`);
    if (mode === 'cold' && !(Number(c.changed) > 0)) problems.push(`${host}: cold run changed nothing`);
    if (mode !== 'cold' && c.changed !== 0) problems.push(`${host}: changed=${c.changed}, want 0 on converged hosts`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 10).join('\n  ');
    throw new BenchError(`${tool} ${mode} run is not a valid result:\n  ${shown}${problems.length > 10 ? `\n  (+${problems.length - 10} more)` : ''}`);
  }
}
