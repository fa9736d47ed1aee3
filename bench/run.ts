/**
 * `npm run bench -- [--hosts N] [--sshd N] [--tools tackle,ansible] [--repeats R] [--forks N] [--nofile N] [--results-dir DIR] [--keep] [--check-only] [--own-home]`
 *
 * tackle against ansible-playbook on the same workload (bench/workload/), over N real sshd
 * hosts on loopback: cold, warm and check runs, alternating the tools, each on its own roots;
 * tackle's three R times (min/median/max), Ansible's once. Prints a table and writes
 * RESULTS-DIR/latest-N.json.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { measureInventoryLoad } from './lib/inventory-load.ts';
import { measureMaskingCost } from './lib/masking-cost.ts';
import { measureFactsCost } from './lib/facts-cost.ts';
import { checkTargets } from './lib/targets.ts';
import { coldBreakdown, formatColdBreakdown } from './lib/cold-time.ts';
import { growthFrom } from './lib/growth.ts';
import { medianIndex, spread } from './lib/spread.ts';
import { readTackleReport, tackleArgv, writeTackleSetup, type TackleSetup } from './lib/tackle.ts';
import { checkOnlyBench } from './lib/check-only.ts';
import { formatLoginCost, measureLoginCost } from './lib/login-cost.ts';
import { LOGIN_HOME_LABEL, loginHomeOption, type LoginHome } from './lib/login-home.ts';

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
  /** sshd processes the hosts share (default: one per host). */
  sshd: number | undefined;
  tools: Tool[];
  repeats: number;
  forks: number | undefined;
  nofile: number | undefined;
  resultsDir: string;
  keep: boolean;
  /** Only tackle's --check over fresh (empty) roots: the 10,000-host run. */
  checkOnly: boolean;
  loginHome: LoginHome;
}

const USAGE = `Usage: npm run bench -- [--hosts N] [--sshd N] [--tools tackle,ansible] [--repeats R] [--forks N] [--nofile N] [--results-dir DIR] [--keep] [--own-home]
  --hosts N         number of inventory hosts on loopback (default 10)
  --sshd N          spread the hosts over N sshd processes (default: one each); every host keeps its own root
  --tools LIST      tackle, ansible or both (default both; ansible needs the Debian packages ansible-core and ansible)
  --repeats R       tackle's cold/warm/check sequence R times on fresh roots (default 3): min, median, max
  --forks N         tackle's --forks (default: the host count)
  --nofile N        run tackle with RLIMIT_NOFILE N (prlimit), e.g. 1024
  --results-dir DIR where latest-N.json goes (default bench/results/; use another for trial runs)
  --keep            keep the temp dir with roots, inventories and reports
  --check-only      only tackle run --check over fresh roots (every task would change), once:
                    time, peak memory and memory per host, written to latest-check-N.json
  --own-home        the hosts' logins keep this machine's root home and its rc files (default: a home
                    with a fresh Debian root's .bashrc and .profile, as on a newly installed host)`;

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new BenchError(`${flag} wants a positive integer\n${USAGE}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { hosts: 10, sshd: undefined, tools: [...TOOLS], repeats: 3, forks: undefined, nofile: undefined, resultsDir: RESULTS_DIR, keep: false, checkOnly: false, loginHome: 'stock' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new BenchError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--hosts') o.hosts = positive(a, value());
    else if (a === '--sshd') o.sshd = positive(a, value());
    else if (a === '--repeats') o.repeats = positive(a, value());
    else if (a === '--forks') o.forks = positive(a, value());
    else if (a === '--nofile') o.nofile = positive(a, value());
    else if (a === '--results-dir') o.resultsDir = value();
    else if (a === '--tools') {
      const tools = value().split(',').map((t) => t.trim());
      const bad = tools.filter((t) => !(TOOLS as readonly string[]).includes(t));
      if (bad.length || tools.length === 0) throw new BenchError(`unknown tool(s) ${bad.join(', ')}: use tackle, ansible\n${USAGE}`);
      o.tools = TOOLS.filter((t) => tools.includes(t));
    } else if (a === '--keep') o.keep = true;
    else if (a === '--check-only') o.checkOnly = true;
    else if (a === '--own-home') o.loginHome = 'own';
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
    const m = await runMeasured(limited(ctx.o, tackleArgv(TACKLE_BIN, TACKLE_PLAYBOOK, ctx.tackle, ctx.o.forks ?? ctx.o.hosts, mode)), { cwd: ctx.work, env: process.env });
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

/** With --nofile N, the command runs under RLIMIT_NOFILE N (util-linux prlimit). */
function limited(o: Options, argv: string[]): string[] {
  return o.nofile === undefined ? argv : ['prlimit', `--nofile=${o.nofile}:${o.nofile}`, '--', ...argv];
}

/** Compiles dist/ first: the bench measures the program users run (bin/tackle.js), not the sources. */
function build(): void {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: here('..'), encoding: 'utf8' });
  if (r.status !== 0) throw new BenchError(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

/** +0.16, -0.14: a difference of two medians may come out either way. */
function signed(x: number): string {
  return `${x < 0 ? '-' : '+'}${Math.abs(x).toFixed(2)}`;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function verifyLayouts(ctx: Context): void {
  const problems: string[] = [];
  for (const h of ctx.ssh.hosts) {
    const t = join(ctx.roots.tackle, h.name);
    const a = join(ctx.roots.ansible, h.name);
    const withTackle = ctx.o.tools.includes('tackle');
    problems.push(...(ctx.ansible && withTackle ? compareRoots(t, a) : layoutProblems(withTackle ? t : a)));
  }
  if (problems.length) throw new BenchError(`the tools did not leave equivalent results:\n  ${problems.slice(0, 15).join('\n  ')}`);
}

async function bench(o: Options): Promise<BenchResult> {
  const useAnsible = o.tools.includes('ansible');
  if (useAnsible) {
    const problems = ansibleProblems();
    if (problems.length) throw new BenchError(`cannot run the Ansible side:\n  ${problems.join('\n  ')}\n(or run tackle alone: --tools tackle)`);
  }
  if (o.nofile !== undefined && spawnSync('prlimit', ['--version']).error) throw new BenchError('--nofile needs prlimit: install the Debian package util-linux');
  const machine = machineFacts(useAnsible ? ansibleVersion() : null);
  console.log(
    `machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memTotalGb} GB RAM (${machine.memFreeGbAtStart} GB free), ` +
      `load at start ${machine.loadAverageAtStart.join(' ')}, node ${machine.node}${machine.ansible ? `, ${machine.ansible}` : ''}`,
  );
  build();
  const startup = await measureStartup(TACKLE_BIN, useAnsible);
  console.log(`startup: node ${startup.nodeSeconds.toFixed(3)} s, tackle --help ${startup.tackleMainHelpSeconds!.toFixed(3)} s, tackle run --help ${startup.tackleHelpSeconds.toFixed(3)} s` +
    (startup.ansibleVersionSeconds !== null ? `, ansible-playbook --version ${startup.ansibleVersionSeconds.toFixed(3)} s` : ''));
  const loading = await measureInventoryLoad(TACKLE_BIN);
  console.log(`loading: tackle validate of ${loading.smallHosts} hosts ${loading.smallSeconds.toFixed(2)} s, of ${loading.largeHosts} hosts ${loading.largeSeconds.toFixed(2)} s (${loading.growth.toFixed(1)}x the time for ${loading.largeHosts / loading.smallHosts}x the hosts)`);
  const masking = measureMaskingCost();
  console.log(`masking: ${masking.fewMicrosPerLine.toFixed(2)} us a line with ${masking.fewSecrets} secrets, ${masking.manyMicrosPerLine.toFixed(2)} us with ${masking.manySecrets} (${masking.ratio.toFixed(2)}x)`);

  const work = mkdtempSync(join(tmpdir(), 'tackle-bench-'));
  const sshd = Math.min(o.sshd ?? o.hosts, o.hosts);
  const ssh = await startSshHosts(o.hosts, { servers: sshd, ...loginHomeOption(o.loginHome, work) });
  const logins = await measureLoginCost(ssh);
  console.log(formatLoginCost(logins));
  console.log(`${o.hosts} hosts on ${sshd} sshd processes; tackle --forks ${o.forks ?? o.hosts}${o.nofile ? `, RLIMIT_NOFILE ${o.nofile}` : ''}; tackle ${o.repeats}x, ansible 1x`);
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
    const baseline = await runMeasured(limited(o, [process.execPath, TACKLE_BIN, 'validate', TACKLE_PLAYBOOK, '-i', ctx.tackle.inventoryFile]), { cwd: work, env: process.env });
    if (baseline.code !== 0) throw new BenchError(`tackle validate exited ${baseline.code}:\n${tail(baseline.stdout + baseline.stderr)}`);

    const samples = new Map<Tool, Record<RunMode, RunResult[]>>(o.tools.map((t) => [t, { cold: [], warm: [], check: [] }]));
    let cold: BenchResult['cold'];
    for (let rep = 0; rep < o.repeats; rep++) {
      if (rep > 0) rmSync(roots.tackle, { recursive: true, force: true });
      for (const mode of RUN_MODES) {
        for (const tool of o.tools) {
          if (tool === 'ansible' && rep > 0) continue;
          const m = await runOnce(ctx, tool, mode);
          samples.get(tool)![mode].push({
            wallSeconds: m.wallSeconds,
            peakControllerMb: peakControllerMb(m),
            sampledTreeMb: m.sampledTreeMb,
            largestProcessMb: m.largestProcessMb,
            maxProcesses: m.maxProcesses,
            cpuSeconds: m.cpuSeconds,
          });
          console.log(`${tool.padEnd(7)} ${mode.padEnd(5)} ${m.wallSeconds.toFixed(2).padStart(7)} s  peak ${peakControllerMb(m).toFixed(0).padStart(4)} MB  (${m.maxProcesses} processes)${m.cpuSeconds === null ? '' : `  cpu ${m.cpuSeconds.toFixed(2)} s`}`);
          if (tool === 'tackle' && rep === 0) copyFileSync(ctx.tackle.reportFile(mode), join(work, `first-${mode}.json`));
        }
        if (mode === 'cold' && rep === 0) verifyLayouts(ctx);
      }
      if (rep === 0 && o.tools.includes('tackle')) {
        const first = samples.get('tackle')!;
        cold = coldBreakdown(join(work, 'first-cold.json'), join(work, 'first-warm.json'), o.hosts, machine.nproc, { cold: first.cold[0]!, warm: first.warm[0]! });
        console.log(formatColdBreakdown(cold));
      }
    }
    const facts = o.tools.includes('tackle') ? await measureFactsCost(TACKLE_BIN, ctx.tackle.inventoryFile, work, o.forks ?? o.hosts) : undefined;
    if (facts) {
      console.log(`facts: gather_facts on ${o.hosts} hosts ${facts.withFactsSeconds.toFixed(2)} s, without ${facts.withoutFactsSeconds.toFixed(2)} s: ${signed(facts.withFactsSeconds - facts.withoutFactsSeconds)} s (one command per host; median of 3)`);
    }
    const results: ToolResult[] = o.tools.map((tool) => {
      const s = samples.get(tool)!;
      const median = (mode: RunMode) => s[mode][medianIndex(s[mode].map((x) => x.wallSeconds))]!;
      const runs = { cold: median('cold'), warm: median('warm'), check: median('check') };
      const peak = Math.max(...RUN_MODES.flatMap((m) => s[m].map((x) => x.peakControllerMb)));
      const spreads = s.cold.length > 1 ? { cold: spread(s.cold.map((x) => x.wallSeconds)), warm: spread(s.warm.map((x) => x.wallSeconds)), check: spread(s.check.map((x) => x.wallSeconds)) } : undefined;
      return { tool, hosts: o.hosts, runs, peakControllerMb: peak, ...(spreads ? { spreads } : {}) };
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
    const baselineMb = peakControllerMb(baseline);
    const memory = t
      ? {
          validateBaselineMb: baselineMb,
          perHostMb: (t.runs.warm.peakControllerMb - baselineMb) / o.hosts,
          where:
            'Above the baseline (node, the compiled program, the parsed playbook and inventory): per host one SSH connection (ssh2 client, its ' +
            'channels and a persistent remote shell), the host session (scope, registered results) and its task results, kept for the recap and --report.',
        }
      : undefined;
    if (memory) console.log(`memory: validate baseline ${memory.validateBaselineMb.toFixed(0)} MB; ${(memory.perHostMb * 1024).toFixed(0)} KB per host above it (warm run)`);
    const growth = t ? growthFrom(o.resultsDir, t, LOGIN_HOME_LABEL[o.loginHome]) : null;
    if (growth) console.log(`growth from ${growth.fromHosts} to ${growth.toHosts} hosts: warm ${growth.ratios.warm.toFixed(2)}x, cold ${growth.ratios.cold.toFixed(2)}x, check ${growth.ratios.check.toFixed(2)}x`);
    const flags = [o.tools.length === 1 ? ` --tools ${o.tools[0]}` : '', o.sshd ? ` --sshd ${sshd}` : '', o.forks ? ` --forks ${o.forks}` : '', o.nofile ? ` --nofile ${o.nofile}` : '', o.repeats !== 3 ? ` --repeats ${o.repeats}` : '', o.loginHome === 'own' ? ' --own-home' : ''];
    const partial = {
      date: new Date().toISOString(),
      command: `npm run bench -- --hosts ${o.hosts}${flags.join('')}`,
      hosts: o.hosts,
      sshd,
      forks: o.forks ?? o.hosts,
      nofile: o.nofile ?? null,
      repeats: o.repeats,
      loginHome: LOGIN_HOME_LABEL[o.loginHome],
      tasksPerHost: workloadSize(),
      memoryMethod: MEMORY_METHOD,
      machine,
      startup,
      logins,
      loading,
      masking,
      results,
      ...(memory ? { memory } : {}),
      ...(cold ? { cold } : {}),
      growth,
      ...(facts ? { facts } : {}),
      ...(ratios ? { ratios } : {}),
    };
    return { ...partial, targets: checkTargets(partial) };
  } finally {
    await ssh.stop();
    if (o.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  try {
    const o = parseOptions(process.argv.slice(2));
    if (o.checkOnly) {
      const result = await checkOnlyBench(o, { limited, tackleBin: TACKLE_BIN, playbook: TACKLE_PLAYBOOK, build });
      mkdirSync(o.resultsDir, { recursive: true });
      const file = join(o.resultsDir, `latest-check-${o.hosts}.json`);
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`\nwrote ${file}`);
      return 0;
    }
    const result = await bench(o);
    console.log(`\n${formatTable(result)}\n`);
    for (const t of result.targets) console.log(`${t.met ? 'MET ' : 'MISS'} ${t.name}: ${t.detail}`);
    mkdirSync(o.resultsDir, { recursive: true });
    const file = join(o.resultsDir, `latest-${o.hosts}.json`);
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
