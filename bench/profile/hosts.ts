/**
 * Keeps N sshd hosts running for profiling by hand, with tackle's inventory written to
 * DIR/hosts.yml (roots under DIR/roots). Prints DIR; stop with Ctrl-C or kill. They log in
 * to a fresh Debian root's home, as the bench's do.
 *   node --import tsx bench/profile/hosts.ts N [SSHD]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts } from '../../test/helpers/sshd.ts';
import { loginHomeOption } from '../lib/login-home.ts';

const n = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tackle-profile-'));
const ssh = await startSshHosts(n, { ...(process.argv[3] ? { servers: Number(process.argv[3]) } : {}), ...loginHomeOption('stock', dir) });
writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml({ root: `${dir}/roots/{{ inventory_hostname }}` }));
console.log(dir);
const stop = () => void ssh.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
