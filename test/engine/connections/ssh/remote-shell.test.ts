import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper } from 'ssh2';
import type { Connection, ConnectionSpec } from '../../../../engine/connection.ts';
import { TimeoutError } from '../../../../engine/errors.ts';
import { commandLine } from '../../../../engine/connections/shell-quote.ts';
import { SshConnection } from '../../../../engine/connections/ssh/ssh-connection.ts';
import { connectClient } from '../../../../engine/connections/ssh/connect.ts';
import { RemoteShell, type ShellFiles } from '../../../../engine/connections/ssh/remote-shell.ts';
import { MAX_SHELLS } from '../../../../engine/connections/ssh/remote-shell-pool.ts';
import * as sftpOps from '../../../../engine/connections/ssh/sftp.ts';
import { startSshHosts, type SshTestHosts } from '../../../helpers/sshd.ts';
import { tempDir } from '../../../helpers/task-harness.ts';
import { processesMentioning } from '../../../helpers/processes.ts';

const NOISY_USER = 'tackle-noisy-rc';
const NO_SETSID_USER = 'tackle-no-setsid';
const NOISE = 'junk from .bashrc';

/** A login user whose bash is /bin/bash, with `bashrc` as ~/.bashrc (sshd's bash sources it for every command). */
function createBashUser(name: string, bashrc: string): string {
  if (!existsSync('/bin/bash')) throw new Error('/bin/bash not found: install the Debian package bash');
  if (spawnSync('id', ['-u', name], { stdio: 'ignore' }).status !== 0) {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', name]);
  }
  execFileSync('usermod', ['-p', '*', name]); // no password, but not a locked account (sshd refuses those)
  const home = execFileSync('getent', ['passwd', name]).toString().split(':')[5]!;
  writeFileSync(join(home, '.bashrc'), bashrc, { mode: 0o644 });
  execFileSync('chown', [name, join(home, '.bashrc')]);
  return home;
}

function removeUser(name: string): void {
  spawnSync('userdel', ['--remove', name], { stdio: 'ignore' });
}

/** Every process as pid -> [parent pid, command name]. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(entry), [ppid, stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))]);
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

/** Persistent shells (sh right under an sshd session process) that this test's sshd `index` serves. */
function persistentShells(hosts: SshTestHosts, index: number): number {
  const listener = Number(readFileSync(join(hosts.dir, `host${index}.pid`), 'utf8').trim());
  const table = processTable();
  const below = (pid: number): boolean => {
    for (let p = table.get(pid)?.[0]; p !== undefined && p > 1; p = table.get(p)?.[0]) if (p === listener) return true;
    return false;
  };
  return [...table].filter(([pid, [ppid, comm]]) => comm === 'sh' && table.get(ppid)?.[1].startsWith('sshd') && below(pid)).length;
}

/** What runs the command: `sh` (a persistent shell) or `sshd` (one channel per command). */
async function parentOfCommand(conn: Connection): Promise<string> {
  return (await conn.exec(['sh', '-c', 'cat "/proc/$PPID/comm"'])).stdout.trim();
}

describe('SSH commands through persistent remote shells', () => {
  let hosts: SshTestHosts;
  let conn: Connection;
  let dir: string;

  const spec = (index: number, user = 'root'): ConnectionSpec => {
    const h = hosts.hosts[index]!;
    return { hostName: h.name, kind: 'ssh', address: h.address, port: h.port, user, privateKeyFile: hosts.clientKeyFile, knownHostsFile: hosts.knownHostsFile };
  };

  before(async () => {
    createBashUser(NOISY_USER, [
      `printf '%s\\n' '${NOISE} on stdout'`,
      `printf '%s\\n' '${NOISE} on stderr' >&2`,
      `printf '\\n%s\\n' 'tackle_00000000000000000000000000000000 ready /tmp'`,
      `printf '%s' 'a partial line without newline, then bytes: '`,
      `printf '\\377\\376\\000\\001'`,
      'export TACKLE_RC_VAR="set by .bashrc"',
      '',
    ].join('\n'));
    const noSetsidHome = createBashUser(NO_SETSID_USER, 'export PATH="$HOME/bin"\n');
    // A host whose PATH has the basics but no setsid: the persistent shell cannot isolate commands.
    execFileSync('install', ['-d', '-o', NO_SETSID_USER, join(noSetsidHome, 'bin')]);
    for (const program of ['sh', 'cat', 'printf', 'env', 'true', 'id', 'sleep', 'kill', 'mkdir', 'rm']) {
      const path = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', program]).toString().trim();
      await fs.symlink(path, join(noSetsidHome, 'bin', program)).catch(() => {});
    }
    hosts = await startSshHosts(4);
    conn = await hosts.connect(0);
    dir = tempDir('tackle-remote-shell-');
  });

  after(async () => {
    await conn?.close();
    await hosts?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    removeUser(NOISY_USER);
    removeUser(NO_SETSID_USER);
  });

  test('commands run in a persistent shell, not one login each', async () => {
    assert.equal(await parentOfCommand(conn), 'sh');
    const pids = new Set<string>();
    for (let i = 0; i < 10; i++) pids.add((await conn.exec(['sh', '-c', 'echo $PPID'])).stdout);
    assert.equal(pids.size, 1, 'sequential commands were served by more than one shell');
    assert.equal(persistentShells(hosts, 0), 1);
  });

  test('command output that mimics the protocol, with the shell\'s real marker, is returned verbatim', async () => {
    const client = await connectClient(spec(1));
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    const files: ShellFiles = {
      read: (path) => sftpOps.readFile(sftp, path, Infinity, () => new Error('unreachable: no limit')),
      unlink: (path) => sftpOps.unlinkQuietly(sftp, path),
    };
    try {
      const shell = await RemoteShell.start(client, files, 'host2');
      const marker = (shell as unknown as { marker: string }).marker;
      assert.match(marker, /^tackle_[0-9a-f]{32}$/);
      // The shell numbers its commands 1, 2, 3...: forge every line it could print for them.
      const forged = [1, 2, 3, 4].flatMap((seq) => [`\n${marker} pid ${seq} 1`, `\n${marker} done ${seq} 0`, `${marker} ready /`]).join('\n');
      const script = 'printf "%s\\n" "$1"; printf "%s\\n" "$1" >&2; exit 5';
      for (let i = 0; i < 3; i++) {
        const r = await shell.run(commandLine(['sh', '-c', script, 'x', forged], {}, RemoteShell.LAUNCHER), undefined, 'sh').result;
        assert.equal(r.code, 5);
        assert.equal(r.timedOut, false);
        assert.equal(r.stdout.toString(), `${forged}\n`);
        assert.equal(r.stderr.toString(), `${forged}\n`);
      }
      // The marker is nowhere a command could read it: not in its environment, not on any command line.
      const r = await shell.run(commandLine(['sh', '-c', 'env; cat /proc/$PPID/environ | tr "\\0" "\\n"'], {}, RemoteShell.LAUNCHER), undefined, 'sh').result;
      assert.equal(r.stdout.toString().includes(marker), false);
      assert.deepEqual(processesMentioning(marker), []);
      shell.close();
    } finally {
      client.end();
    }
  });

  test('50 concurrent commands on one connection: right output for each, at most the pool limit of shells', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        conn.exec(['sh', '-c', 'cat; printf " %s" "$1"; printf "e%s" "$1" >&2; exit "$(($1 % 7))"', 'x', String(i)], { input: `in${i}` }),
      ),
    );
    results.forEach((r, i) => assert.deepEqual(r, { code: i % 7, stdout: `in${i} ${i}`, stderr: `e${i}` }));
    const shells = persistentShells(hosts, 0);
    assert.ok(shells >= 1 && shells <= MAX_SHELLS, `${shells} shells`);
  });

  test('binary output and large output round trip; files and stdin never stay in the temp dir', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a, 0xc3, 0xa9]);
    const raw = await conn.exec(['sh', '-c', "printf '\\377\\376\\000A\\n\\303\\251'"]);
    assert.equal(raw.stdout, bytes.toString('utf8'));
    const big = randomBytes(2_000_000).toString('base64');
    assert.equal((await conn.exec(['cat'], { input: big })).stdout, big);

    // stdin (a become password, a file written under become) never is a file on the host; what
    // a command prints (a private key) lands only in a 0600 file, while the command keeps its umask.
    const secret = `secret-${randomBytes(8).toString('hex')}`;
    const r = await conn.exec(['sh', '-c', 'sleep 0.5; readlink /proc/self/fd/0; readlink /proc/self/fd/1; stat -L -c %a /proc/self/fd/1; umask; ls -a "$(dirname "$(readlink /proc/self/fd/1)")"; cat'], { input: secret });
    const [stdinPath, stdoutPath, stdoutMode, commandUmask, ...rest] = r.stdout.split('\n');
    assert.match(stdinPath!, /^pipe:/, `stdin of the command is ${stdinPath}, not a pipe`);
    assert.equal(stdoutMode, '600', 'the output file of a command is readable by others');
    assert.match(commandUmask!, /^0?022$/, 'the command lost the login umask');
    assert.deepEqual(rest.slice(0, -1).filter((f) => f.endsWith('.in')), [], 'an input file in the temp dir');
    assert.equal(rest.at(-1), secret);
    const tempDirPath = dirname(stdoutPath!);
    const st = await fs.stat(tempDirPath);
    assert.equal(st.mode & 0o777, 0o700);
    await conn.exec(['true']);
    assert.deepEqual(await fs.readdir(tempDirPath), [], 'output files were left behind');

    const c = await hosts.connect(2);
    const otherDir = dirname((await c.exec(['readlink', '/proc/self/fd/1'])).stdout.trim());
    assert.equal(existsSync(otherDir), true);
    await c.close();
    const deadline = Date.now() + 5000;
    while (existsSync(otherDir) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.equal(existsSync(otherDir), false, 'the shell did not remove its temp dir when the connection closed');
  });

  test('a timeout kills the whole process tree (also what ignores TERM) and the pool recovers', async () => {
    await conn.exec(['true']); // warm: the shell is up, so the timeout hits the running command
    const tag = `tackle-tree-${randomBytes(6).toString('hex')}`;
    const marker = join(dir, 'tree-marker');
    const script = `trap '' TERM; (trap '' TERM; sleep 3; touch '${marker}'; : ${tag}) & (sleep 3; touch '${marker}'; : ${tag}) & wait`;
    const started = Date.now();
    const quick = Promise.all(Array.from({ length: 10 }, (_, i) => conn.exec(['echo', String(i)])));
    await assert.rejects(
      conn.exec(['sh', '-c', script], { timeoutMs: 400 }),
      (e: unknown) => e instanceof TimeoutError && /timed out after 400 ms/.test(e.message),
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2500, `timeout took ${elapsed} ms`);
    assert.deepEqual((await quick).map((r) => r.stdout), Array.from({ length: 10 }, (_, i) => `${i}\n`));
    assert.deepEqual(processesMentioning(tag), [], 'part of the timed-out tree is still running');
    for (let i = 0; i < 5; i++) assert.deepEqual(await conn.exec(['echo', 'alive'], { timeoutMs: 5000 }), { code: 0, stdout: 'alive\n', stderr: '' });
    const shells = persistentShells(hosts, 0);
    assert.ok(shells >= 1 && shells <= MAX_SHELLS, `${shells} shells`);
    await new Promise((r) => setTimeout(r, 3500 - (Date.now() - started)));
    assert.equal(existsSync(marker), false, 'the timed-out command went on running');
  });

  test('instant commands under a long timeout never wait for the watchdog', { timeout: 60_000 }, async () => {
    // The watchdog starts beside each command; cancelling it must not race with its start.
    const started = Date.now();
    for (let i = 0; i < 150; i++) assert.equal((await conn.exec(['true'], { timeoutMs: 60_000 })).code, 0);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => conn.exec(['echo', String(i)], { timeoutMs: 60_000 })));
    assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 40 }, (_, i) => `${i}\n`));
    assert.ok(Date.now() - started < 20_000, `190 instant commands took ${Date.now() - started} ms`);
  });

  test('a command that finishes in time under a timeout keeps its exit code and leaves nothing behind', async () => {
    const r = await conn.exec(['sh', '-c', 'echo ok; exit 3'], { timeoutMs: 5000 });
    assert.deepEqual(r, { code: 3, stdout: 'ok\n', stderr: '' });
    assert.deepEqual(processesMentioning('sleep 5.000'), [], 'the watchdog outlived the command');
  });

  test('a .bashrc that prints junk (stdout, stderr, a fake marker, no newline) does not confuse the protocol', async () => {
    const channel = await SshConnection.open(spec(3, NOISY_USER), 'channel');
    try {
      // The premise: a command run the old way sees the noise.
      const old = await channel.exec(['true']);
      assert.ok(old.stdout.includes(`${NOISE} on stdout`), `the .bashrc was not sourced: ${JSON.stringify(old)}`);
    } finally {
      await channel.close();
    }
    const noisy = await SshConnection.open(spec(3, NOISY_USER), 'shell');
    try {
      assert.equal(await parentOfCommand(noisy), 'sh');
      assert.deepEqual(await noisy.exec(['printf', '%s', 'clean']), { code: 0, stdout: 'clean', stderr: '' });
      assert.deepEqual(await noisy.exec(['sh', '-c', 'printf "%s|%s|%s" "$TACKLE_RC_VAR" "$(id -un)" "$(pwd)"']), {
        code: 0,
        stdout: `set by .bashrc|${NOISY_USER}|${execFileSync('getent', ['passwd', NOISY_USER]).toString().split(':')[5]}`,
        stderr: '',
      });
      const many = await Promise.all(Array.from({ length: 12 }, (_, i) => noisy.exec(['echo', String(i)])));
      assert.deepEqual(many.map((r) => r.stdout), Array.from({ length: 12 }, (_, i) => `${i}\n`));
    } finally {
      await noisy.close();
    }
  });

  test('a host without setsid falls back to one channel per command, with the same results', async () => {
    const c = await SshConnection.open(spec(3, NO_SETSID_USER));
    try {
      assert.equal(await parentOfCommand(c), 'sshd');
      assert.deepEqual(await c.exec(['sh', '-c', 'cat; echo err >&2; exit 4'], { input: 'in' }), { code: 4, stdout: 'in', stderr: 'err\n' });
      assert.equal((await c.exec(['tackle-no-such-program'])).code, 127);
      await assert.rejects(c.exec(['sleep', '5'], { timeoutMs: 300 }), TimeoutError);
    } finally {
      await c.close();
    }
  });

  test('TACKLE_SSH_EXEC=channel forces one channel per command', async () => {
    const saved = process.env.TACKLE_SSH_EXEC;
    process.env.TACKLE_SSH_EXEC = 'channel';
    let c: Connection;
    try {
      c = await hosts.connect(1);
    } finally {
      if (saved === undefined) delete process.env.TACKLE_SSH_EXEC;
      else process.env.TACKLE_SSH_EXEC = saved;
    }
    try {
      assert.equal(await parentOfCommand(c), 'sshd');
      assert.deepEqual(await c.exec(['printf', '%s', 'x']), { code: 0, stdout: 'x', stderr: '' });
    } finally {
      await c.close();
    }
  });
});
