import { createHash } from 'node:crypto';

/**
 * Results of pure, costly computations keyed by a hash of their input: the tasks of one host
 * read the same CA several times in a run, and the hosts of a play mostly write the same
 * config text. Bounded: the oldest entry goes first, so a run over many hosts never holds more
 * than `limit` results.
 */
export class ContentMemo<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit = 512) {}

  get(input: string | Buffer | Uint8Array, compute: () => V): V {
    const key = createHash('sha256').update(input).digest('base64');
    if (this.entries.has(key)) {
      const hit = this.entries.get(key)!;
      // Most recently used last: eviction takes the first key.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = compute();
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
