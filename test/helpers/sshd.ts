import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Connection } from '../../engine/connection.ts';
import { SshConnection } from '../../engine/connections/ssh/ssh-connection.ts';

export interface SshTestHost {
  name: string;
  address: string;
  port: number;
}

export interface SshTestHosts {
  hosts: SshTestHost[];
  /** Temp dir with keys, configs, pid files. */
  dir: string;
  /** ed25519 private key authorized for root on every host. */
  clientKeyFile: string;
  /** Every host's key as [address]:port. */
  knownHostsFile: string;
  /** SshConnection to hosts[i] (default 0) as root, host key checked. */
  connect(i?: number): Promise<Connection>;
  /** Inventory YAML text for these hosts (names host1..hostN), with optional extra host vars. */
  inventoryYaml(extraHostVars?: Record<string, unknown>): string;
  /** Kills that sshd (for unreachable tests). */
  stopHost(i: number): Promise<void>;
  /** Kills that sshd and every session it serves (their commands too), as if the machine went down. */
  crashHost(i: number): Promise<void>;
  /** Freezes (SIGSTOP) every session that host's sshd serves: logged in, but nothing answers. */
  stallHost(i: number): void;
  /**
   * Freezes (SIGSTOP) the commands and shells of that host's sessions, not its sshd processes:
   * the host still answers SSH keepalives, but nothing it is sent runs.
   */
  stallCommands(i: number): void;
  /** Lets frozen sessions run again (SIGCONT). */
  resumeHost(i: number): void;
  /** What that host's sshd has logged so far (its stderr, at the LogLevel serverConfig sets). */
  serverLog(i: number): string;
  /** Starts that host's sshd again: same port, same host key. */
  restartHost(i: number): Promise<void>;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const ADDRESS = '127.0.0.1';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function requirePrograms(): void {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install the Debian package openssh-server`);
  if (spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error) {
    throw new Error('ssh-keygen not found: install the Debian package openssh-client');
  }
}

type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

function keygen(file: string, type: KeyType, comment: string): Promise<void> {
  const args = ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : []), '-N', '', '-C', comment, '-f', file];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-keygen ${args.join(' ')} failed: ${err}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, ADDRESS, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: ADDRESS, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Further host keys of a server: hostI_key.TYPE beside hostI_key. */
function extraHostKeys(dir: string, index: number): string[] {
  const prefix = `host${index}_key.`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && !f.endsWith('.pub'))
    .map((f) => `HostKey ${join(dir, f)}`);
}

function sshdConfig(dir: string, index: number, port: number, extra: readonly string[]): string {
  return [
    `Port ${port}`,
    `ListenAddress ${ADDRESS}`,
    `HostKey ${join(dir, `host${index}_key`)}`,
    ...extraHostKeys(dir, index),
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, `host${index}.pid`)}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'MaxSessions 64',
    'MaxStartups 200',
    'Subsystem sftp internal-sftp',
    ...extra,
    '',
  ].join('\n');
}

/** Starts one sshd (on `fixedPort`, or a free one); resolves once its port accepts, rejects if it exits first. */
interface StartedSshd {
  port: number;
  child: ChildProcess;
  log: () => string;
}

async function startSshd(dir: string, index: number, fixedPort?: number, extra: readonly string[] = []): Promise<StartedSshd> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? (await freePort());
    const configFile = join(dir, `host${index}_sshd_config`);
    writeFileSync(configFile, sshdConfig(dir, index, port, extra));
    // --pdeathsig: the kernel kills sshd if this test process dies without running its exit handler.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', SSHD, '-D', '-e', '-f', configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let exited = false;
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', () => {
      exited = true;
      running.delete(child);
    });
    running.add(child);
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline) {
      if (await portAccepts(port)) return { port, child, log: () => stderr };
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    lastError = stderr.trim() || 'sshd did not start listening within 10 s';
  }
  throw new Error(`sshd for host${index + 1} failed to start: ${lastError}`);
}

/** Sends `signal` to the processes below the listener that `which` selects; returns the pids it reached. */
function signalSessions(listener: ChildProcess | undefined, signal: NodeJS.Signals, which: (pid: number) => boolean = () => true): number[] {
  return listener?.pid === undefined ? [] : signalEach(descendants(listener.pid).filter(which), signal);
}

function signalEach(pids: Iterable<number>, signal: NodeJS.Signals): number[] {
  const reached: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      reached.push(pid);
    } catch {
      // already gone
    }
  }
  return reached;
}

/** Not an sshd process (OpenSSH names its per-connection processes sshd or sshd-session). */
function notSshd(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('sshd');
  } catch {
    return false; // exited meanwhile
  }
}

/** Every process below `pid` (children, their children, ...), read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * n inventory hosts (host1..hostN) on loopback. Each has its own sshd unless `servers` is smaller
 * than n: then the hosts are spread round-robin over that many sshd processes (host i on server
 * i mod servers), so hundreds of hosts need a few processes; tests give each host its own root
 * directory. stopHost/crashHost/restartHost act on host i's server, and so on every host sharing it.
 */
export async function startSshHosts(
  n: number,
  /** extraHostKeyTypes: each server also has a host key of these types (hostI_key.TYPE); known_hosts lists only the first. */
  opts: {
    hostKeyType?: KeyType;
    extraHostKeyTypes?: KeyType[];
    servers?: number;
    /** More sshd_config lines for server i (e.g. a ForceCommand that stalls one host). */
    serverConfig?: (server: number) => string[];
    /**
     * HOME of every login (sshd's SetEnv) instead of the user's own, so the login shell reads the
     * rc files there: the bench's hosts stand for fresh machines, not for this user's dotfiles.
     */
    loginHome?: string;
  } = {},
): Promise<SshTestHosts> {
  const servers = Math.max(1, Math.min(n, opts.servers ?? n));
  const serverLines = (i: number): string[] => [
    ...(opts.loginHome === undefined ? [] : [`SetEnv HOME=${opts.loginHome}`]),
    ...(opts.serverConfig?.(i) ?? []),
  ];
  requirePrograms();
  if (spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).error) {
    throw new Error('setpriv not found: install the Debian package util-linux');
  }
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation directory
  const dir = mkdtempSync(join(tmpdir(), 'tackle-sshd-'));
  const clientKeyFile = join(dir, 'client_key');
  const knownHostsFile = join(dir, 'known_hosts');
  const children: (ChildProcess | undefined)[] = [];
  const logs: (() => string)[] = [];
  try {
    const keyType = opts.hostKeyType ?? 'ed25519';
    await keygen(clientKeyFile, 'ed25519', 'tackle-test-client');
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyFile}.pub`));
    // sshd reads authorized_keys as the logging-in user: let non-root test users reach it (keys stay 0600).
    chmodSync(dir, 0o711);
    chmodSync(join(dir, 'authorized_keys'), 0o644);
    await Promise.all(Array.from({ length: servers }, (_, i) => keygen(join(dir, `host${i}_key`), keyType, `host${i + 1}`)));
    for (const extra of opts.extraHostKeyTypes ?? []) {
      await Promise.all(Array.from({ length: servers }, (_, i) => keygen(join(dir, `host${i}_key.${extra}`), extra, `host${i + 1}`)));
    }
    const started = await Promise.all(
      Array.from({ length: servers }, async (_, i) => {
        const s = await startSshd(dir, i, undefined, serverLines(i));
        children[i] = s.child;
        logs[i] = s.log;
        return s;
      }),
    );
    const hosts = Array.from({ length: n }, (_, i) => ({ name: `host${i + 1}`, address: ADDRESS, port: started[i % servers]!.port }));
    const knownHosts = started.map((s, i) => {
      const [type, key] = readFileSync(join(dir, `host${i}_key.pub`), 'utf8').trim().split(/\s+/);
      return `[${ADDRESS}]:${s.port} ${type} ${key}\n`;
    });
    const serverOf = (i: number): number => i % servers;
    /** Every process a stall froze, so resuming reaches it even once it has left the listener's tree. */
    const frozen = new Set<number>();
    writeFileSync(knownHostsFile, knownHosts.join(''));

    return {
      hosts,
      dir,
      clientKeyFile,
      knownHostsFile,
      connect(i = 0) {
        const h = hosts[i];
        if (!h) throw new Error(`no test host ${i}`);
        return SshConnection.open({
          hostName: h.name,
          kind: 'ssh',
          address: h.address,
          port: h.port,
          user: 'root',
          privateKeyFile: clientKeyFile,
          knownHostsFile,
        });
      },
      inventoryYaml(extraHostVars = {}) {
        const hostVars = Object.fromEntries(
          hosts.map((h) => [
            h.name,
            {
              ansible_host: h.address,
              ansible_port: h.port,
              ansible_user: 'root',
              ansible_ssh_private_key_file: clientKeyFile,
              tackle_known_hosts_file: knownHostsFile,
              ...extraHostVars,
            },
          ]),
        );
        return stringify({ all: { hosts: hostVars } });
      },
      async stopHost(i) {
        const child = children[serverOf(i)];
        if (child) await waitExit(child);
      },
      async crashHost(i) {
        const child = children[serverOf(i)];
        if (!child) return;
        // Sessions are forked from the listener; collect them before killing it orphans them.
        const sessions = child.pid === undefined ? [] : descendants(child.pid);
        await waitExit(child);
        for (const pid of sessions) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      },
      stallHost(i) {
        for (const pid of signalSessions(children[serverOf(i)], 'SIGSTOP')) frozen.add(pid);
      },
      stallCommands(i) {
        for (const pid of signalSessions(children[serverOf(i)], 'SIGSTOP', notSshd)) frozen.add(pid);
      },
      resumeHost(i) {
        signalSessions(children[serverOf(i)], 'SIGCONT');
        // Also what is no longer below the listener: a frozen shell whose session ended was orphaned.
        signalEach(frozen, 'SIGCONT');
        frozen.clear();
      },
      serverLog(i) {
        return logs[serverOf(i)]?.() ?? '';
      },
      async restartHost(i) {
        const h = hosts[i];
        if (!h) throw new Error(`no test host ${i}`);
        const server = serverOf(i);
        const old = children[server];
        if (old) await waitExit(old);
        const s = await startSshd(dir, server, h.port, serverLines(server));
        children[server] = s.child;
        logs[server] = s.log;
      },
      async stop() {
        await Promise.all(children.map((c) => (c ? waitExit(c) : undefined)));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(children.map((c) => (c ? waitExit(c) : undefined)));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
