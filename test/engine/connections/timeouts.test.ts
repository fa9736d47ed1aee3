import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Connection, ConnectionSpec } from '../../../engine/connection.ts';
import { TimeoutError } from '../../../engine/errors.ts';
import { openConnection } from '../../../engine/connections/index.ts';
import { startSshHosts, type SshTestHosts } from '../../helpers/sshd.ts';
import { tempDir } from '../../helpers/task-harness.ts';

/** A timed-out command must die with everything it started, with and without sudo in between. */
describe('a timeout kills the whole command', () => {
  let hosts: SshTestHosts;
  let dir: string;

  before(async () => {
    if (!existsSync('/usr/bin/sudo')) throw new Error('/usr/bin/sudo not found: install the Debian package sudo');
    hosts = await startSshHosts(1);
    dir = tempDir('tackle-timeouts-');
    await fs.chmod(dir, 0o777);
  });

  after(async () => {
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const h = () => hosts.hosts[0]!;
  const cases: [string, () => ConnectionSpec][] = [
    ['local', () => ({ hostName: 'localhost', kind: 'local' })],
    ['local, become nobody', () => ({ hostName: 'localhost', kind: 'local', become: { user: 'nobody' } })],
    ['ssh', () => ({ hostName: h().name, kind: 'ssh', address: h().address, port: h().port, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile })],
    ['ssh, become nobody', () => ({ hostName: h().name, kind: 'ssh', address: h().address, port: h().port, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile, become: { user: 'nobody' } })],
  ];

  for (const [label, spec] of cases) {
    test(label, async () => {
      const conn: Connection = await openConnection(spec());
      try {
        const marker = join(dir, `${label.replace(/\W+/g, '-')}-marker`);
        const started = Date.now();
        // A child process (sleep) in the middle: killing only the shell would not be enough if it were what touches.
        await assert.rejects(conn.exec(['sh', '-c', `(sleep 3; touch '${marker}') & wait`], { timeoutMs: 400 }), TimeoutError);
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 2500, `timeout took ${elapsed} ms`);
        assert.equal((await conn.exec(['echo', 'alive'])).stdout, 'alive\n');
        await new Promise((r) => setTimeout(r, 3500 - (Date.now() - started)));
        assert.equal(existsSync(marker), false, 'the timed-out command went on running');
      } finally {
        await conn.close();
      }
    });
  }
});
