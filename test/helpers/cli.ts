import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The node arguments that start tackle from its TypeScript sources (tests never need a build);
 * bin/tackle.js runs the same entry compiled and bundled into dist/bundle/.
 */
export const TACKLE_FROM_SOURCE = ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../../cli/entry.ts', import.meta.url))];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `tackle` CLI as a user would, in its own process. */
export function tackle(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The PLAY RECAP counts per host, parsed from the output. */
export function parseRecap(stdout: string): Map<string, Record<string, number>> {
  const recap = new Map<string, Record<string, number>>();
  const section = stdout.slice(stdout.lastIndexOf('PLAY RECAP'));
  for (const line of section.split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const pair of m[2]!.trim().split(/\s+/)) {
      const [k, v] = pair.split('=');
      counts[k!] = Number(v);
    }
    recap.set(m[1]!, counts);
  }
  return recap;
}

/** The CLI, killed (and so the calling test failed, not hung) if it has not finished after `guardMs`. */
export function tackleOrHang(args: string[], cwd: string, env: Record<string, string>, guardMs: number): Promise<CliResult & { hung: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TACKLE_FROM_SOURCE, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, guardMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code: code ?? -1, stdout, stderr, hung });
    });
  });
}
