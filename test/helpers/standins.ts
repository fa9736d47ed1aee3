/** The lab's Quay and Clair stand-ins, bundled as the images carry them, run as processes under their images' uids. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleStandins } from '../../lab/standins/bundle.ts';

export const QUAY_UID = 1001;
export const CLAIR_UID = 65534;

let bundled: Promise<{ quay: string; clair: string }> | undefined;
let bundleDir: string | undefined;
process.on('exit', () => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/** Bundled once per test process, into a directory every uid can read. */
export function standinBundles(): Promise<{ quay: string; clair: string }> {
  bundled ??= (async () => {
    bundleDir = mkdtempSync(join(tmpdir(), 'tackle-standins-'));
    chmodSync(bundleDir, 0o755);
    return bundleStandins(bundleDir);
  })();
  return bundled;
}

export interface StandinProcess {
  child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  /** Its exit code once it exits. */
  exited: Promise<number>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function runStandin(script: string, args: string[], opts: { uid: number; env: Record<string, string> }): StandinProcess {
  const child = spawn(process.execPath, [script, ...args], {
    uid: opts.uid,
    gid: opts.uid === CLAIR_UID ? 65534 : opts.uid,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 128)));
  return {
    child,
    output: () => text,
    exited,
    async stop() {
      running.delete(child);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Resolves with the exit code, or fails if it is still running after timeoutMs. */
export async function exitCode(p: StandinProcess, timeoutMs = 20_000): Promise<number> {
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms:\n${p.output()}`)), timeoutMs).unref());
  return Promise.race([p.exited, timer]);
}

/** Polls until the output contains text; fails with the output if the process exits first. */
export async function waitForOutput(p: StandinProcess, text: string | RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const found = () => (typeof text === 'string' ? p.output().includes(text) : text.test(p.output()));
  while (!found()) {
    if (p.child.exitCode !== null) throw new Error(`exited with ${p.child.exitCode} before printing ${String(text)}:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${String(text)} within ${timeoutMs} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
