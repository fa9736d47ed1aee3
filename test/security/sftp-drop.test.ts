import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionError } from '../../engine/errors.ts';
import { SshConnection } from '../../engine/connections/ssh/ssh-connection.ts';
import { startSshHosts, type SshTestHosts } from '../helpers/sshd.ts';
import { parseRecap, tackle } from '../helpers/cli.ts';

/** Fails instead of hanging: what a test of "never settles" must not do itself. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an SFTP operation on a connection that drops or stalls settles (ssh)', () => {
  let ssh: SshTestHosts;
  let dir: string;
  before(async () => {
    ssh = await startSshHosts(2);
    dir = mkdtempSync(join(tmpdir(), 'tackle-h6-sftp-'));
  });
  after(async () => {
    ssh.resumeHost(0);
    ssh.resumeHost(1);
    await ssh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (i: number, fileTimeoutMs?: number) => {
    const h = ssh.hosts[i]!;
    return SshConnection.open({
      hostName: h.name,
      kind: 'ssh',
      address: h.address,
      port: h.port,
      user: 'root',
      privateKeyFile: ssh.clientKeyFile,
      knownHostsFile: ssh.knownHostsFile,
      fileTimeoutMs,
    });
  };

  test('a write in flight when the server dies fails as a ConnectionError', async () => {
    const conn = await open(0);
    await conn.stat('/');
    ssh.stallHost(0);
    const write = conn.writeFile(join(dir, 'big.bin'), Buffer.alloc(4 << 20, 7));
    await sleep(300);
    await ssh.crashHost(0);
    await assert.rejects(within(15_000, 'the write', write), (e: unknown) => e instanceof ConnectionError);
    await ssh.restartHost(0);
  });

  test('a read from a host that stops answering fails after the file timeout', async () => {
    writeFileSync(join(dir, 'small.txt'), 'x\n');
    const conn = await open(1, 1500);
    await conn.stat('/');
    ssh.stallHost(1);
    try {
      await assert.rejects(within(15_000, 'the read', conn.readFile(join(dir, 'small.txt'))), (e: unknown) => {
        assert.ok(e instanceof ConnectionError, String(e));
        assert.match(e.message, /no answer to an SFTP/);
        return true;
      });
      await assert.rejects(conn.stat('/'), ConnectionError, 'the lost connection stays lost');
    } finally {
      ssh.resumeHost(1);
    }
  });
});

describe('a host dropped during a file write is unreachable, the others finish (ssh, CLI)', () => {
  let ssh: SshTestHosts;
  let dir: string;
  before(async () => {
    ssh = await startSshHosts(2);
    dir = mkdtempSync(join(tmpdir(), 'tackle-h6-sftpcli-'));
    mkdirSync(join(dir, 'host1'));
    mkdirSync(join(dir, 'host2'));
    writeFileSync(join(dir, 'hosts.yml'), ssh.inventoryYaml());
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ big: 'x'.repeat(3 << 20) }));
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: all
  vars_files: [big.json]
  tasks:
    - name: a large file
      writeConfig: {path: "${dir}/{{ inventory_hostname }}/big.txt", text: "{{ big }}{{ big }}{{ big }}{{ big }}"}
`,
    );
  });
  after(async () => {
    await ssh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('exit 4, recap for both hosts, the report written', async () => {
    const report = join(dir, 'report.json');
    const run = tackle(['run', 'site.yml', '-i', 'hosts.yml', '--report', report], { cwd: dir });
    // Kill host1 while its temp file is being written.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !readdirSync(join(dir, 'host1')).some((f) => f.includes('.tackle-'))) await sleep(5);
    await ssh.crashHost(0);
    const r = await within(90_000, 'the run', run);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    const recap = parseRecap(r.stdout);
    assert.equal(recap.get('host1')?.['unreachable'], 1, r.stdout);
    assert.equal(recap.get('host2')?.['changed'], 1, r.stdout);
    assert.ok(existsSync(report), 'the report is written');
    assert.ok(existsSync(join(dir, 'host2', 'big.txt')));
  });
});
