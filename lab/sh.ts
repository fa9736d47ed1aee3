/** Running the controller's programs (podman, debootstrap, ssh-keygen) for the lab. */
import { spawn } from 'node:child_process';
import { CONTROLLER_CONTAINERS_CONF } from './paths.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Stream the program's output to ours (long builds) instead of only capturing it. */
  echo?: boolean;
  input?: string;
  cwd?: string;
}

/** The Debian package that provides each program the lab runs, for "not found" messages. */
const PACKAGE_OF: Record<string, string> = {
  podman: 'podman',
  debootstrap: 'debootstrap',
  'ssh-keygen': 'openssh-client',
  'ssh-keyscan': 'openssh-client',
  iptables: 'iptables',
  tar: 'tar',
};

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? CONTROLLER_CONTAINERS_CONF };
    const child = spawn(cmd, args, { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo) process.stderr.write(d);
    });
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message} (install the Debian package ${PACKAGE_OF[cmd] ?? cmd})`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // A program that exits without reading its input (ssh-keyscan, iptables) closes the pipe first.
    child.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs cmd, which must succeed; returns its stdout. */
export async function must(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-15).join('\n')}`);
  return r.stdout;
}

export const podman = (...args: string[]): Promise<string> => must('podman', args);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
