import { InputError, ValidationFailed } from '../errors.ts';

/** `--slice K/N`: the K-th (1-based) of N shares of the hosts. */
export interface Slice {
  index: number;
  count: number;
}

export function parseSlice(text: string): Slice {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new ValidationFailed([new InputError({ file: '--slice', line: 1, col: 1 }, `'${text}' is not K/N with 1 <= K <= N (e.g. --slice 2/4)`)]);
  }
  return { index, count };
}

/**
 * The hosts of one slice. Host number i of the inventory (in inventory order, from 0) belongs to
 * slice (i mod N) + 1, so the slices are disjoint, together cover every host, depend only on the
 * inventory, and a host is in the same slice in every play. Round-robin keeps each play's share
 * even when a play names a run of neighbouring hosts.
 */
export function sliceHosts(inventoryOrder: Iterable<string>, slice: Slice): Set<string> {
  const hosts = new Set<string>();
  let i = 0;
  for (const host of inventoryOrder) {
    if (i % slice.count === slice.index - 1) hosts.add(host);
    i++;
  }
  return hosts;
}
