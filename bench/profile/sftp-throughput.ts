/**
 * SFTP write and read throughput of one tackle SSH connection to a real sshd on loopback:
 *   node --import tsx bench/profile/sftp-throughput.ts [megabytes] [repeats]
 * Prints the median MB/s of Connection.writeFile and Connection.readFile.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSshHosts } from '../../test/helpers/sshd.ts';
import { tempDir } from '../../test/helpers/task-harness.ts';

const megabytes = Number(process.argv[2] ?? 32);
const repeats = Number(process.argv[3] ?? 3);
const data = randomBytes(megabytes * 1024 * 1024);
const hosts = await startSshHosts(1);
const dir = tempDir('tackle-sftp-bench-');
try {
  const conn = await hosts.connect(0);
  const rate = async (op: () => Promise<unknown>): Promise<number> => {
    const rates: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = process.hrtime.bigint();
      await op();
      rates.push(megabytes / (Number(process.hrtime.bigint() - started) / 1e9));
    }
    return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  };
  const file = join(dir, 'blob');
  const write = await rate(() => conn.writeFile(file, data));
  const read = await rate(async () => {
    const back = await conn.readFile(file);
    if (!back?.equals(data)) throw new Error('read back differs');
  });
  console.log(`sftp ${megabytes} MB: write ${write.toFixed(1)} MB/s, read ${read.toFixed(1)} MB/s (median of ${repeats})`);
  await conn.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
  await hosts.stop();
}
