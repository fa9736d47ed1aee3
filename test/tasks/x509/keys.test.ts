import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generatePrivateKeyPem, keyGenerationLanes } from '../../../tasks/x509/keys.ts';

test('key generation takes one lane per core and always leaves a pool thread free', () => {
  assert.equal(keyGenerationLanes(2, 4), 2);
  assert.equal(keyGenerationLanes(8, 4), 3);
  assert.equal(keyGenerationLanes(1, 4), 1);
  assert.equal(keyGenerationLanes(4, 1), 1);
});

// A run generating a key per host queues them all at once; a file read asked for meanwhile
// (a reconnect's known_hosts) must not wait behind them in the libuv pool.
test('a file read is not queued behind many key generations', async () => {
  let keysDone = 0;
  const keys = Array.from({ length: 12 }, () => generatePrivateKeyPem('rsa2048').then(() => keysDone++));
  await readFile(fileURLToPath(import.meta.url));
  const doneWhenRead = keysDone;
  await Promise.all(keys);
  assert.ok(doneWhenRead < 12 - 4, `the read came back after ${doneWhenRead} of 12 keys`);
});

test('the key-usage bits the checks read are the ones the certificate builder writes', async () => {
  const { KEY_USAGE_FLAGS } = await import('../../../tasks/x509/constants.ts');
  const { x509 } = await import('../../../tasks/x509/peculiar.ts');
  for (const [name, bit] of Object.entries(KEY_USAGE_FLAGS)) assert.equal(bit, x509.KeyUsageFlags[name as keyof typeof x509.KeyUsageFlags], name);
});
