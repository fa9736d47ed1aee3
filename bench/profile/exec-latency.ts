/**
 * Round-trip latency of single operations over one tackle SSH connection, to tell the
 * transport's cost from the tasks' cost. Uses the hosts of bench/profile/hosts.ts:
 *   node --import tsx bench/profile/exec-latency.ts DIR/hosts.yml [repeats]
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SshConnection } from '../../engine/connections/ssh/ssh-connection.ts';

interface HostVars {
  ansible_host: string;
  ansible_port: number;
  ansible_ssh_private_key_file: string;
  tackle_known_hosts_file: string;
}
const inventory = parse(readFileSync(process.argv[2]!, 'utf8')) as { all: { hosts: Record<string, HostVars> } };
const repeats = Number(process.argv[3] ?? 20);
const [name, h] = Object.entries(inventory.all.hosts)[0]!;
const conn = await SshConnection.open({
  hostName: name,
  kind: 'ssh',
  address: h.ansible_host,
  port: h.ansible_port,
  user: 'root',
  privateKeyFile: h.ansible_ssh_private_key_file,
  knownHostsFile: h.tackle_known_hosts_file,
});

async function time(label: string, op: () => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await op();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`${label.padEnd(24)} median ${pct(0.5).padStart(7)} ms  p90 ${pct(0.9).padStart(7)} ms  min ${times[0]!.toFixed(1)} ms`);
}

await time('exec true', () => conn.exec(['true']));
await time('exec mkdir -p /tmp', () => conn.exec(['mkdir', '-p', '/tmp']));
await time('sftp stat', () => conn.stat('/etc/hostname'));
await time('sftp readFile', () => conn.readFile('/etc/hostname'));
await conn.close();
