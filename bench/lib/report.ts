import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { RunMode } from './checks.ts';
import type { ColdBreakdown } from './cold-time.ts';
import type { FactsCost } from './facts-cost.ts';
import type { LoginCost } from './login-cost.ts';
import type { Growth } from './growth.ts';
import type { Spread } from './spread.ts';

export const TOOLS = ['tackle', 'ansible'] as const;
export type Tool = (typeof TOOLS)[number];

export interface RunResult {
  wallSeconds: number;
  peakControllerMb: number;
  sampledTreeMb: number;
  largestProcessMb: number | null;
  maxProcesses: number;
  /** Controller CPU, user + system (GNU time), when GNU time is installed. */
  cpuSeconds?: number | null;
}

export interface ToolResult {
  tool: Tool;
  hosts: number;
  runs: Record<RunMode, RunResult>;
  /** The most any of its three runs used. */
  peakControllerMb: number;
  /** Wall time over the repeated runs (tackle: --repeats, default 3); `runs` holds the median run. */
  spreads?: Record<RunMode, Spread>;
}

export interface MachineFacts {
  nproc: number;
  cpuModel: string;
  memTotalGb: number;
  memFreeGbAtStart: number;
  loadAverageAtStart: number[];
  node: string;
  ansible: string | null;
}

export interface StartupCost {
  /** `node -e 0`: the floor any node program pays. */
  nodeSeconds: number;
  /** `node bin/tackle.js run --help`: node + loading the compiled CLI. */
  tackleHelpSeconds: number;
  /** `node bin/tackle.js --help`. */
  tackleMainHelpSeconds?: number;
  /** `ansible-playbook --version`. */
  ansibleVersionSeconds: number | null;
}

/** Median wall time of `tackle validate` over a generated inventory, at two sizes. */
export interface InventoryLoadCost {
  smallHosts: number;
  smallSeconds: number;
  largeHosts: number;
  largeSeconds: number;
  /** largeSeconds / smallSeconds: about largeHosts / smallHosts when loading is linear. */
  growth: number;
}

/** Masking one line of output with few and with very many secrets registered. */
export interface MaskingCost {
  fewSecrets: number;
  fewMicrosPerLine: number;
  manySecrets: number;
  manyMicrosPerLine: number;
  /** manyMicrosPerLine / fewMicrosPerLine: about 1 when the cost does not grow with the secrets. */
  ratio: number;
}

export interface BenchResult {
  date: string;
  command: string;
  hosts: number;
  tasksPerHost: { tackle: number; ansibleModuleCalls: number };
  memoryMethod: string;
  machine: MachineFacts;
  startup: StartupCost;
  logins?: LoginCost;
  loading?: InventoryLoadCost;
  masking?: MaskingCost;
  results: ToolResult[];
  /** sshd processes the hosts were spread over (= hosts when each has its own). */
  sshd?: number;
  /** Where the hosts' logins started (their HOME); results without it used this machine's root home. */
  loginHome?: string;
  forks?: number;
  /** RLIMIT_NOFILE tackle ran under, when --nofile was given. */
  nofile?: number | null;
  repeats?: number;
  memory?: {
    /** Peak of `tackle validate` of the same playbook and inventory: everything loaded, nothing connected. */
    validateBaselineMb: number;
    /** (median warm run's peak - the baseline) / hosts. */
    perHostMb: number;
    where: string;
  };
  cold?: ColdBreakdown;
  growth?: Growth | null;
  /** What gather_facts adds (the workload itself runs without facts, as the Ansible side). */
  facts?: FactsCost;
  /** Ansible / tackle, per run and for memory; absent without both tools. */
  ratios?: Record<RunMode | 'memory', number>;
  targets: { name: string; met: boolean; detail: string }[];
}

export function machineFacts(ansible: string | null): MachineFacts {
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // cpus() is the fallback.
  }
  const gb = (b: number) => Math.round((b / 2 ** 30) * 10) / 10;
  return {
    nproc,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalGb: gb(totalmem()),
    memFreeGbAtStart: gb(freemem()),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    ansible,
  };
}

const fixed = (n: number, digits = 2) => n.toFixed(digits);

export function formatTable(r: BenchResult): string {
  const header = ['tool', 'hosts', 'cold s', 'warm s', 'check s', 'peak MB'];
  const rows = r.results.map((t) => [t.tool, String(t.hosts), fixed(t.runs.cold.wallSeconds), fixed(t.runs.warm.wallSeconds), fixed(t.runs.check.wallSeconds), fixed(t.peakControllerMb, 0)]);
  if (r.ratios) {
    const x = (n: number) => `${fixed(n, 1)}x`;
    rows.push(['ansible/tackle', String(r.hosts), x(r.ratios.cold), x(r.ratios.warm), x(r.ratios.check), x(r.ratios.memory)]);
  }
  for (const t of r.results) {
    if (!t.spreads) continue;
    for (const [mode, sp] of Object.entries(t.spreads)) {
      rows.push([`  ${t.tool} ${mode}`, `${sp.samples.length} runs`, `min ${fixed(sp.min)}`, `median ${fixed(sp.median)}`, `max ${fixed(sp.max)}`, '']);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
