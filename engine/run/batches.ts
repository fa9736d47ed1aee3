import type { SerialSpec } from '../model.ts';

/**
 * Splits hosts into rollout batches the way Ansible's `serial` does: a count, a percentage
 * of the play's hosts, or a list of them (the last size repeats); every batch has at least 1 host.
 * A size of 0 (or an empty list) puts all remaining hosts in one batch.
 */
export function computeBatches(hosts: readonly string[], serial: SerialSpec | undefined): string[][] {
  if (hosts.length === 0) return [];
  const specs = serial === undefined ? [] : Array.isArray(serial) ? serial : [serial];
  if (specs.length === 0) return [hosts.slice()];
  const sizes = specs.map((s) => batchSize(s, hosts.length));
  const batches: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k, sizes.length - 1)]!;
    const end = size <= 0 ? hosts.length : i + size;
    batches.push(hosts.slice(i, end));
    i = end;
    k++;
  }
  return batches;
}

/** Hosts per batch for one serial entry; 0 means "all the rest". Percentages are of the play's hosts, rounded down, at least 1. */
export function batchSize(spec: number | string, total: number): number {
  if (typeof spec === 'number') return spec <= 0 ? 0 : Math.max(1, Math.floor(spec));
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(spec);
  if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * total));
  const n = Math.floor(Number(spec));
  return Number.isFinite(n) && n > 0 ? n : 0;
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
