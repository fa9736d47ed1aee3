import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** GNU time (Debian package `time`): its %M is the kernel's peak RSS of the largest process waited for. */
export const GNU_TIME = '/usr/bin/time';
const SAMPLE_MS = 50;
const PAGE_KB = 4;

export interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** Peak of the summed RSS of the process tree, sampled every 50 ms. */
  sampledTreeMb: number;
  /** Peak RSS of the largest single process (GNU time %M), when GNU time is installed. */
  largestProcessMb: number | null;
  /** Most processes seen at once in the tree. */
  maxProcesses: number;
  /** CPU time (user + system) of the tool and its waited-for children (GNU time %U + %S): independent of the machine's load, unlike wall time. */
  cpuSeconds: number | null;
}

export interface MeasureOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Processes outside the tree that still belong to the run, recognised by this text in their
   * command line: ssh ControlPersist masters detach from ansible-playbook but serve it.
   */
  alsoCount?: string;
}

function readRssKb(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[21]) * PAGE_KB;
  } catch {
    return undefined; // the process exited meanwhile
  }
}

/** Child pids of every thread of `pid` (Linux /proc/PID/task/TID/children). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ')) if (c) out.push(Number(c));
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

function commandLineHas(pid: number, text: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
  } catch {
    return false;
  }
}

/**
 * Sum of RSS over `root`'s descendants (and root itself when includeRoot: without GNU time it is
 * the tool). The tree is walked from root, so a sample costs in proportion to the tool's own
 * processes, not to everything on the machine (hundreds of sshd at 100 hosts): the sampling
 * takes no noticeable CPU from the run it measures. Only `alsoCount` needs a scan of all processes.
 */
function sampleTree(root: number, includeRoot: boolean, alsoCount: string | undefined): { kb: number; count: number } {
  const members = new Set<number>();
  const stack = [root];
  while (stack.length) {
    for (const child of childrenOf(stack.pop()!)) {
      if (!members.has(child)) {
        members.add(child);
        stack.push(child);
      }
    }
  }
  if (includeRoot) members.add(root);
  if (alsoCount) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (!members.has(pid) && commandLineHas(pid, alsoCount)) members.add(pid);
    }
  }
  let kb = 0;
  for (const pid of members) kb += readRssKb(pid) ?? 0;
  return { kb, count: members.size };
}

/** Runs argv to completion, timing it and tracking the controller-side memory it uses. */
export function runMeasured(argv: string[], opts: MeasureOptions): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const timeFile = join(opts.cwd, `.maxrss-${process.pid}-${Date.now()}`);
  const full = useTime ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(full[0]!, full.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let peakKb = 0;
    let maxProcesses = 0;
    const sample = () => {
      if (child.pid === undefined) return;
      const s = sampleTree(child.pid, !useTime, opts.alsoCount);
      peakKb = Math.max(peakKb, s.kb);
      maxProcesses = Math.max(maxProcesses, s.count);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    sample();
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      let largestProcessMb: number | null = null;
      let cpuSeconds: number | null = null;
      if (useTime && existsSync(timeFile)) {
        // The last line: a command killed by a signal gets a "Command terminated" line before it.
        const [kb, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
        if (Number.isFinite(kb)) largestProcessMb = kb! / 1024;
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = user! + sys!;
        rmSync(timeFile, { force: true });
      }
      resolve({ code: code ?? -1, stdout, stderr, wallSeconds, sampledTreeMb: peakKb / 1024, largestProcessMb, maxProcesses, cpuSeconds });
    });
  });
}

/** The number reported as peak controller memory: never below what one process alone reached. */
export function peakControllerMb(m: Measured): number {
  return Math.max(m.sampledTreeMb, m.largestProcessMb ?? 0);
}
