import type { SerialSpec } from './model.ts';

/**
 * Splits hosts into rollout batches the way Ansible's `serial` does: a count, a percentage
 * of the play's hosts, or a list of them (the last size repeats); every batch has at least 1 host.
 */
export function computeBatches(hosts: readonly string[], serial: SerialSpec | undefined): string[][] {
  if (serial === undefined || hosts.length === 0) return hosts.length ? [hosts.slice()] : [];
  const sizes = (Array.isArray(serial) ? serial : [serial]).map((s) => batchSize(s, hosts.length));
  const batches: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)]!;
    batches.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return batches;
}

function batchSize(spec: number | string, total: number): number {
  if (typeof spec === 'number') return Math.max(1, Math.floor(spec));
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(spec);
  if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * total));
  return Math.max(1, Math.floor(Number(spec)) || 1);
}

/** Runs fn over items with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
