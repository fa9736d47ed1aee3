/**
 * Real PostgreSQL and Redis for tests, started as processes on random loopback ports: Debian's
 * postgresql (initdb and postgres as the unprivileged postgres user, in a temp dir) and
 * redis-server with requirepass.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../lab/fleet/ports.ts';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export { freeLoopbackPort as freePort };

export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

export interface Postgres {
  port: number;
  /** Runs SQL as the superuser over the local socket; returns psql's output. */
  sql(database: string, statement: string): string;
  /** A login role with this password owning a new database, optionally with extensions. */
  createDatabase(name: string, user: string, password: string, extensions?: string[]): void;
  stop(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort() : [];
  if (!versions.length) throw new Error('PostgreSQL server not found (/usr/lib/postgresql/*/bin/initdb): install the Debian package "postgresql"');
  return join(root, versions.at(-1)!, 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const out = spawnSync('id', ['-u', 'postgres']);
  const gid = spawnSync('id', ['-g', 'postgres']);
  if (out.status !== 0) throw new Error('no "postgres" user to run PostgreSQL as: install the Debian package "postgresql"');
  return { uid: Number(out.stdout.toString()), gid: Number(gid.stdout.toString()) };
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const owner = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'tackle-pg-'));
  chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8'], { ...owner, cwd: dir });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`);
  const port = await freeLoopbackPort();
  const child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { ...owner, cwd: dir, stdio: 'ignore' });
  running.add(child);
  await waitForPort(port, child, 'postgres');
  const psql = (database: string, statement: string) => {
    const r = spawnSync('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-tAc', statement], { ...owner, cwd: dir });
    if (r.error) throw new Error('psql not found: install the Debian package "postgresql-client"');
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr.toString()}`);
    return r.stdout.toString();
  };
  // The server accepts connections a moment before it accepts queries.
  for (let i = 0; ; i++) {
    try {
      psql('postgres', 'SELECT 1');
      break;
    } catch (error) {
      if (i > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    sql: psql,
    createDatabase(name, user, password, extensions = []) {
      psql('postgres', `CREATE ROLE "${user}" LOGIN PASSWORD '${password}'`);
      psql('postgres', `CREATE DATABASE "${name}" OWNER "${user}"`);
      for (const ext of extensions) psql(name, `CREATE EXTENSION IF NOT EXISTS "${ext}"`);
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Redis {
  port: number;
  password: string;
  stop(): Promise<void>;
}

export async function startRedis(password: string): Promise<Redis> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server not found: install the Debian package "redis-server"');
  const dir = mkdtempSync(join(tmpdir(), 'tackle-redis-'));
  const port = await freeLoopbackPort();
  writeFileSync(join(dir, 'redis.conf'), `port ${port}\nbind 127.0.0.1\nrequirepass ${password}\nsave ""\nappendonly no\ndir ${dir}\n`);
  const child = spawn('redis-server', [join(dir, 'redis.conf')], { cwd: dir, stdio: 'ignore' });
  running.add(child);
  await waitForPort(port, child, 'redis-server');
  return {
    port,
    password,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
