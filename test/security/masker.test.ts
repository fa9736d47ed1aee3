import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskByKey, SecretMasker } from '../../engine/secrets.ts';

test('the longest secret wins, forms tackle prints are masked, and 100,000 secrets mask as one does', () => {
  const many = Array.from({ length: 100_000 }, (_, i) => `tok-${i}-${'k'.repeat(6)}`);
  const m = new SecretMasker([...many, 'hunter2-long', 'hunter2-long-and-longer', 'multi\nline-secret\n']);
  assert.equal(m.mask('a hunter2-long-and-longer b hunter2-long c'), 'a ******** b ******** c');
  assert.equal(m.mask(`x ${many[99_999]} y ${many[0]}`), 'x ******** y ********');
  assert.equal(m.mask('"multi\\nline-secret\\n" then line-secret'), '"********" then ********');
  assert.equal(m.mask('nothing here'), 'nothing here');
});

test('host-side values under secret-looking keys and URL passwords are masked by what they are', () => {
  assert.equal(maskByKey('SECRET_KEY: abc def\nname: web'), 'SECRET_KEY: ********\nname: web');
  assert.equal(maskByKey('DB_URI: postgresql://quay:pw123@db/quay'), 'DB_URI: postgresql://quay:********@db/quay');
  assert.equal(maskByKey('private_key: |\n  AAAA\n  BBBB\nnext: 1'), 'private_key: |\n  ********\n  ********\nnext: 1');
  assert.equal(maskByKey('login failed password=hunter2 for root'), 'login failed password=******** for root');
});
