import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { connectClient } from '../../../../engine/connections/ssh/connect.ts';
import * as sftpOps from '../../../../engine/connections/ssh/sftp.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';

/**
 * The SFTP session of a real sshd, with a count of the waits: each time the last outstanding
 * request is answered, the caller had waited one round trip. A warm run is mostly reads, so the
 * number of waits per read is its latency on a real network.
 */
function countingWaits(raw: SFTPWrapper): { sftp: SFTPWrapper; waits: () => number; requests: () => number } {
  let outstanding = 0;
  let waits = 0;
  let requests = 0;
  const sftp = new Proxy(raw, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !['open', 'close', 'read', 'fstat', 'lstat', 'stat'].includes(String(prop))) return value;
      return (...args: unknown[]) => {
        const callback = args.at(-1) as (...r: unknown[]) => void;
        outstanding++;
        requests++;
        args[args.length - 1] = (...result: unknown[]) => {
          if (--outstanding === 0) waits++;
          callback(...result);
        };
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { sftp, waits: () => waits, requests: () => requests };
}

describe('SFTP reads: round trips', () => {
  let hosts: SshTestHosts;
  let client: Client;
  let raw: SFTPWrapper;
  let dir: string;

  before(async () => {
    hosts = await startSshHosts(1);
    const h = hosts.hosts[0]!;
    client = await connectClient({ hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user: 'root', privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile });
    raw = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    dir = tempDir('tackle-sftp-trips-');
  });

  after(async () => {
    client?.end();
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const read = (sftp: SFTPWrapper, path: string, max = Infinity) => sftpOps.readFile(sftp, path, max, (size) => new Error(`too large: ${size}`));

  test('a small file is read in two round trips and three requests (open, read, close), the close not waited for', async () => {
    const file = join(dir, 'small.yaml');
    const content = Buffer.from('registry: quay\n'.repeat(100));
    await fs.writeFile(file, content);
    const { sftp, waits, requests } = countingWaits(raw);
    assert.deepEqual(await read(sftp, file), content);
    assert.equal(waits(), 2);
    assert.equal(requests(), 3);
  });

  test('what a small file holds keeps only its own bytes alive, not the buffer of the read', async () => {
    // A key, a certificate, a config: a thousand hosts hold them at once during a check.
    for (const size of [1500, 6000]) {
      const file = join(dir, `held-${size}`);
      await fs.writeFile(file, randomBytes(size));
      const content = (await read(raw, file))!;
      assert.equal(content.length, size);
      assert.ok(content.buffer.byteLength <= Math.max(Buffer.poolSize, size), `${size} bytes read keep ${content.buffer.byteLength} bytes alive`);
    }
  });

  test('a missing file is one round trip', async () => {
    const { sftp, waits } = countingWaits(raw);
    assert.equal(await read(sftp, join(dir, 'missing')), null);
    assert.equal(waits(), 1);
  });

  test('empty, one-chunk-sized and multi-chunk files come back whole', async () => {
    for (const size of [0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 1024 * 1024 + 17]) {
      const file = join(dir, `file-${size}`);
      const content = randomBytes(size);
      await fs.writeFile(file, content);
      assert.deepEqual(await read(raw, file), content, `a file of ${size} bytes`);
    }
  });

  test('a file over the limit is refused, also when it fits in the first chunk', async () => {
    const file = join(dir, 'over');
    await fs.writeFile(file, Buffer.alloc(5000, 1));
    await assert.rejects(read(raw, file, 4999), /too large: 5000/);
    assert.equal((await read(raw, file, 5000))?.length, 5000);
  });

  test('handles are closed: many reads of one file leave none open', async () => {
    const file = join(dir, 'many');
    await fs.writeFile(file, 'x');
    // OpenSSH's sftp-server serves at most a few hundred handles at once; leaked ones would make open fail.
    for (let i = 0; i < 600; i++) assert.equal((await read(raw, file))?.toString(), 'x');
  });
});
