import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tackle } from '../helpers/cli.ts';

// `tackle tags` with the document's example (3.3.5.2) and its explicit-tag rule.
test('tackle tags prints what a pattern list would mirror', async () => {
  const r = await tackle(['tags', 'v3.[12]*', 'v3.7.0', '--', 'v32', 'v3.1', 'v3.2', 'v3.2-4beta', 'v3.3', 'v3.7.0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^would mirror: v3\.1, v3\.2, v3\.2-4beta, v3\.7\.0$/m);
  assert.match(r.stdout, /^not mirrored: v32, v3\.3$/m);
});

test('tackle tags refuses a list without an explicit tag, with the reason, exit 5', async () => {
  const r = await tackle(['tags', 'v3.*', '--', 'v3.1', 'latest']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /no explicit tag/);
});

test('tackle tags without "--" prints its usage and exits 5', async () => {
  const r = await tackle(['tags', 'v3.*']);
  assert.equal(r.code, 5);
  assert.match(r.stdout, /Usage: tackle tags PATTERN\.\.\. -- TAG\.\.\./);
});
