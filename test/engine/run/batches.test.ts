import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBatches, mapLimit } from '../../../engine/run/batches.ts';

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const sizes = (batches: string[][]): number[] => batches.map((b) => b.length);

test('no serial: one batch with every host, in order', () => {
  assert.deepEqual(computeBatches(hosts(3), undefined), [['h1', 'h2', 'h3']]);
  assert.deepEqual(computeBatches([], undefined), []);
  assert.deepEqual(computeBatches([], 2), []);
});

test('an integer serial cuts fixed-size batches, the last one shorter', () => {
  assert.deepEqual(computeBatches(hosts(5), 2), [['h1', 'h2'], ['h3', 'h4'], ['h5']]);
  assert.deepEqual(sizes(computeBatches(hosts(10), 1)), Array(10).fill(1));
  assert.deepEqual(sizes(computeBatches(hosts(3), 10)), [3]);
});

test('a percentage is of the play hosts, rounded down, at least one host', () => {
  assert.deepEqual(sizes(computeBatches(hosts(10), '30%')), [3, 3, 3, 1]);
  assert.deepEqual(sizes(computeBatches(hosts(3), '10%')), [1, 1, 1]);
  assert.deepEqual(sizes(computeBatches(hosts(4), '100%')), [4]);
  assert.deepEqual(sizes(computeBatches(hosts(3), '0%')), [1, 1, 1]);
});

test('a list is used in order and its last size repeats', () => {
  assert.deepEqual(sizes(computeBatches(hosts(20), [1, 5, '50%'])), [1, 5, 10, 4]);
  assert.deepEqual(sizes(computeBatches(hosts(4), [1, 2])), [1, 2, 1]);
  assert.deepEqual(computeBatches(hosts(3), [5, 1]), [['h1', 'h2', 'h3']]);
});

test('0 or an empty list means all (remaining) hosts at once', () => {
  assert.deepEqual(sizes(computeBatches(hosts(5), 0)), [5]);
  assert.deepEqual(sizes(computeBatches(hosts(5), [])), [5]);
  assert.deepEqual(sizes(computeBatches(hosts(5), [1, 0])), [1, 4]);
});

test('every host lands in exactly one batch', () => {
  for (const serial of [1, 3, '25%', '33%', [2, '40%'], [1, 1, 7]]) {
    const all = hosts(17);
    assert.deepEqual(computeBatches(all, serial).flat(), all, JSON.stringify(serial));
  }
});

test('mapLimit keeps at most `limit` in flight and results in item order', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimit([50, 10, 30, 20, 5, 40], 2, async (ms) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, ms));
    inFlight--;
    return ms * 2;
  });
  assert.equal(peak, 2);
  assert.deepEqual(out, [100, 20, 60, 40, 10, 80]);
  assert.deepEqual(await mapLimit([], 3, async (x: number) => x), []);
});
