/**
 * `npm run bench -- [--hosts N] [--tools tackle,ansible] [--keep]`
 *
 * tackle against ansible-playbook on the same workload (bench/workload/), over N real sshd
 * hosts on loopback: cold, warm and check runs, alternating the tools, each on its own roots.
 * Prints a table and writes bench/results/latest-N.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startSshHosts, type SshTestHosts } from '../test/helpers/sshd.ts';
import { ansibleArgv, ansibleProblems, ansibleVersion, parseAnsibleRecap, writeAnsibleSetup, type AnsibleSetup } from './lib/ansible.ts';
import { BenchError, RUN_MODES, verifyCounts, type RunMode } from './lib/checks.ts';
import { compareRoots, layoutProblems } from './lib/equivalence.ts';
import { peakControllerMb, runMeasured, type Measured } from './lib/measure.ts';
import { formatTable, machineFacts, TOOLS, type BenchResult, type RunResult, type Tool, type ToolResult } from './lib/report.ts';
import { measureStartup } from './lib/startup.ts';
import { checkTargets } from './lib/targets.ts';
import { readTackleReport, tackleArgv, writeTackleSetup, type TackleSetup } from './lib/tackle.ts';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const TACKLE_BIN = here('../bin/tackle.js');
const TACKLE_PLAYBOOK = here('workload/tackle.yml');
const ANSIBLE_PLAYBOOK = here('workload/ansible.yml');
const RESULTS_DIR = here('results/');

const MEMORY_METHOD =
  'Peak controller memory = max(sum of VmRSS over the tool process and all its descendants, sampled every 50 ms from /proc, ' +
  "plus ssh ControlPersist masters found by their control path; the largest single process's peak RSS from GNU time %M). " +
  'tackle is one node process (its peak is GNU time %M); ansible-playbook forks workers and ssh clients (the sampled sum). ' +
  'Target-side processes (sshd sessions, remote python) are not counted.';

interface Options {
  hosts: number;
  tools: Tool[];
  keep: boolean;
}

const USAGE = `Usage: npm run bench -- [--hosts N] [--tools tackle,ansible] [--keep]
  --hosts N      number of sshd hosts on loopback (default 10)
  --tools LIST   tackle, ansible or both (default both; ansible needs the Debian packages ansible-core and ansible)
  --keep         keep the temp dir with roots, inventories and reports`;

function parseOptions(argv: string[]): Options {
  const o: Options = { hosts: 10, tools: [...TOOLS], keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new BenchError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--hosts') {
      o.hosts = Number(value());
      if (!Number.isInteger(o.hosts) || o.hosts < 1) throw new BenchError(`--hosts wants a positive integer\n${USAGE}`);
    } else if (a === '--tools') {
      const tools = value().split(',').map((t) => t.trim());
      const bad = tools.filter((t) => !(TOOLS as readonly string[]).includes(t));
      if (bad.length || tools.length === 0) throw new BenchError(`unknown tool(s) ${bad.join(', ')}: use tackle, ansible\n${USAGE}`);
      o.tools = TOOLS.filter((t) => tools.includes(t));
    } else if (a === '--keep') o.keep = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new BenchError(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

/** Typed-task calls per host in tackle.yml, and module executions per host in ansible.yml (loop items count). */
function workloadSize(): { tackle: number; ansibleModuleCalls: number } {
  type Task = { loop?: unknown };
  const tackle = parseYaml(readFileSync(TACKLE_PLAYBOOK, 'utf8')) as { tasks: Task[] }[];
  const ansible = parseYaml(readFileSync(ANSIBLE_PLAYBOOK, 'utf8')) as { tasks: Task[]; vars: { units: unknown[] } }[];
  const play = ansible[0]!;
  const calls = play.tasks.reduce((n, t) => n + (Array.isArray(t.loop) ? t.loop.length : t.loop === '{{ units }}' ? play.vars.units.length : 1), 0);
  return { tackle: tackle[0]!.tasks.length, ansibleModuleCalls: calls };
}

interface Context {
  o: Options;
  ssh: SshTestHosts;
  work: string;
  roots: Record<Tool, string>;
  tackle: TackleSetup;
  ansible: AnsibleSetup | null;
}

async function runOnce(ctx: Context, tool: Tool, mode: RunMode): Promise<Measured> {
  const names = ctx.ssh.hosts.map((h) => h.name);
  if (tool === 'tackle') {
    const m = await runMeasured(tackleArgv(TACKLE_BIN, TACKLE_PLAYBOOK, ctx.tackle, ctx.o.hosts, mode), { cwd: ctx.work, env: process.env });
    if (m.code !== 0) throw new BenchError(`tackle ${mode} exited ${m.code}:\n${tail(m.stdout + m.stderr)}`);
    verifyCounts('tackle', mode, names, readTackleReport(ctx.tackle.reportFile(mode), mode));
    return m;
  }
  const setup = ctx.ansible!;
  const m = await runMeasured(ansibleArgv(ANSIBLE_PLAYBOOK, setup, mode), { cwd: ctx.work, env: setup.env, alsoCount: setup.controlPathDir });
  writeFileSync(join(ctx.work, `ansible-${mode}.log`), m.stdout + m.stderr);
  if (m.code !== 0) throw new BenchError(`ansible-playbook ${mode} exited ${m.code}:\n${tail(m.stdout + m.stderr)}`);
  verifyCounts('ansible', mode, names, parseAnsibleRecap(m.stdout));
  return m;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function verifyLayouts(ctx: Context): void {
  const problems: string[] = [];
  for (const h of ctx.ssh.hosts) {
    const t = join(ctx.roots.tackle, h.name);
    const a = join(ctx.roots.ansible, h.name);
    problems.push(...(ctx.ansible ? compareRoots(t, a) : layoutProblems(t)));
  }
  if (problems.length) throw new BenchError(`the tools did not leave equivalent results:\n  ${problems.slice(0, 15).join('\n  ')}`);
}

async function bench(o: Options): Promise<BenchResult> {
  const useAnsible = o.tools.includes('ansible');
  if (useAnsible) {
    const problems = ansibleProblems();
    if (problems.length) throw new BenchError(`cannot run the Ansible side:\n  ${problems.join('\n  ')}\n(or run tackle alone: --tools tackle)`);
  }
  const machine = machineFacts(useAnsible ? ansibleVersion() : null);
  const startup = await measureStartup(TACKLE_BIN, useAnsible);
  console.log(`startup: node ${startup.nodeSeconds.toFixed(3)} s, tackle run --help ${startup.tackleHelpSeconds.toFixed(3)} s` +
    (startup.ansibleVersionSeconds !== null ? `, ansible-playbook --version ${startup.ansibleVersionSeconds.toFixed(3)} s` : ''));

  const work = mkdtempSync(join(tmpdir(), 'tackle-bench-'));
  const ssh = await startSshHosts(o.hosts);
  try {
    const roots = { tackle: join(work, 'roots-tackle'), ansible: join(work, 'roots-ansible') };
    const ctx: Context = {
      o,
      ssh,
      work,
      roots,
      tackle: writeTackleSetup(work, ssh, roots.tackle),
      ansible: useAnsible ? writeAnsibleSetup(join(work, 'ansible'), ssh, roots.ansible) : null,
    };
    const runs = new Map<Tool, Partial<Record<RunMode, RunResult>>>(o.tools.map((t) => [t, {}]));
    for (const mode of RUN_MODES) {
      for (const tool of o.tools) {
        const m = await runOnce(ctx, tool, mode);
        runs.get(tool)![mode] = {
          wallSeconds: m.wallSeconds,
          peakControllerMb: peakControllerMb(m),
          sampledTreeMb: m.sampledTreeMb,
          largestProcessMb: m.largestProcessMb,
          maxProcesses: m.maxProcesses,
        };
        console.log(`${tool.padEnd(7)} ${mode.padEnd(5)} ${m.wallSeconds.toFixed(2).padStart(7)} s  peak ${peakControllerMb(m).toFixed(0).padStart(4)} MB  (${m.maxProcesses} processes)`);
      }
      if (mode === 'cold') verifyLayouts(ctx);
    }
    const results: ToolResult[] = o.tools.map((tool) => {
      const r = runs.get(tool) as Record<RunMode, RunResult>;
      return { tool, hosts: o.hosts, runs: r, peakControllerMb: Math.max(...RUN_MODES.map((m) => r[m].peakControllerMb)) };
    });
    const t = results.find((r) => r.tool === 'tackle');
    const a = results.find((r) => r.tool === 'ansible');
    const ratios =
      t && a
        ? {
            cold: a.runs.cold.wallSeconds / t.runs.cold.wallSeconds,
            warm: a.runs.warm.wallSeconds / t.runs.warm.wallSeconds,
            check: a.runs.check.wallSeconds / t.runs.check.wallSeconds,
            memory: a.peakControllerMb / t.peakControllerMb,
          }
        : undefined;
    const partial = {
      date: new Date().toISOString(),
      command: `npm run bench -- --hosts ${o.hosts}${o.tools.length === 1 ? ` --tools ${o.tools[0]}` : ''}`,
      hosts: o.hosts,
      tasksPerHost: workloadSize(),
      memoryMethod: MEMORY_METHOD,
      machine,
      startup,
      results,
      ...(ratios ? { ratios } : {}),
    };
    return { ...partial, targets: checkTargets(partial, RESULTS_DIR) };
  } finally {
    await ssh.stop();
    if (o.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  try {
    const o = parseOptions(process.argv.slice(2));
    const result = await bench(o);
    console.log(`\n${formatTable(result)}\n`);
    for (const t of result.targets) console.log(`${t.met ? 'MET ' : 'MISS'} ${t.name}: ${t.detail}`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `latest-${o.hosts}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
    return 0;
  } catch (e) {
    if (e instanceof BenchError) {
      console.error(`bench failed: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main();
