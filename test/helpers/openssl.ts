import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';

/** Fails the test, naming the Debian package, when the openssl CLI is missing. */
export function requireOpenssl(): void {
  const r = spawnSync('openssl', ['version']);
  assert.ok(!r.error && r.status === 0, 'openssl is missing: install the Debian package openssl');
}

/** Runs the real openssl CLI; stdout and stderr together. */
export function openssl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
