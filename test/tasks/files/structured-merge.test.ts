import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { serialize } from '../../../tasks/files/structured-merge.ts';

// serialize() keeps YAML texts by the JSON of their value; what it writes must not depend on
// what it wrote before for a value with the same JSON.

test('a value serializes to the same YAML each time, and equal values written by different hosts agree', () => {
  const config = () => ({ SERVER_HOSTNAME: 'quay.example.com', FEATURE_MIRROR: true, 'yes': 'no', LIST: [1, 'two', null], NESTED: { a: { b: 1.5 } } });
  const first = serialize(config(), 'yaml');
  assert.equal(serialize(config(), 'yaml'), first);
  assert.deepEqual(parse(first), config());
  assert.match(first, /^"yes": "no"$/m, 'YAML 1.1 readers read the key and value as strings');
});

test('values whose JSON is the same but whose YAML differs are written as YAML writes each', () => {
  const shared = { host: 'db', port: 5432 };
  const aliased = serialize({ a: shared, b: shared }, 'yaml');
  const copied = serialize({ a: { ...shared }, b: { ...shared } }, 'yaml');
  assert.match(aliased, /&\w+/, 'an object met twice is an anchor and an alias');
  assert.doesNotMatch(copied, /&\w+/);
  assert.equal(serialize({ a: shared, b: shared }, 'yaml'), aliased);

  assert.equal(serialize({ limit: Infinity }, 'yaml'), 'limit: .inf\n');
  assert.equal(serialize({ limit: null }, 'yaml'), 'limit: null\n');
  assert.equal(serialize({ limit: NaN }, 'yaml'), 'limit: .nan\n');
  assert.equal(serialize({ zero: -0 }, 'yaml'), 'zero: -0\n');
  assert.equal(serialize({ zero: 0 }, 'yaml'), 'zero: 0\n');
  assert.equal(serialize({ gone: undefined, kept: 1 }, 'yaml'), 'kept: 1\n');
  assert.equal(serialize({ kept: 1 }, 'yaml'), 'kept: 1\n');
});
