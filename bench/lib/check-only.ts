import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshHosts } from '../../test/helpers/sshd.ts';
import { formatLoginCost, measureLoginCost, type LoginCost } from './login-cost.ts';
import { BenchError } from './checks.ts';
import { peakControllerMb, runMeasured } from './measure.ts';
import { machineFacts, type MachineFacts } from './report.ts';
import { readTackleReport, tackleArgv, writeTackleSetup } from './tackle.ts';
import { loginHomeOption, type LoginHome } from './login-home.ts';

export interface CheckOnlyResult {
  date: string;
  command: string;
  hosts: number;
  sshd: number;
  forks: number;
  nofile: number | null;
  machine: MachineFacts;
  logins: LoginCost;
  /** One `tackle run --check` over fresh roots: every task of every host would change. */
  check: { wallSeconds: number; cpuSeconds: number | null; peakControllerMb: number; maxProcesses: number };
  /** Peak of `tackle validate` of the same playbook and inventory (everything loaded, nothing connected). */
  validateBaselineMb: number;
  /** (check peak - baseline) / hosts. */
  perHostKb: number;
}

interface Tools {
  limited(o: { nofile: number | undefined }, argv: string[]): string[];
  tackleBin: string;
  playbook: string;
  build(): void;
}

interface Options {
  hosts: number;
  sshd: number | undefined;
  forks: number | undefined;
  nofile: number | undefined;
  keep: boolean;
  loginHome: LoginHome;
}

/** The run that only has to complete at 10,000 hosts: a check over hosts where everything would change. */
export async function checkOnlyBench(o: Options, t: Tools): Promise<CheckOnlyResult> {
  const machine = machineFacts(null);
  console.log(`machine: ${machine.nproc} cores (${machine.cpuModel}), load at start ${machine.loadAverageAtStart.join(' ')}, node ${machine.node}`);
  t.build();
  const work = mkdtempSync(join(tmpdir(), 'tackle-bench-check-'));
  const sshd = Math.min(o.sshd ?? o.hosts, o.hosts);
  const forks = o.forks ?? o.hosts;
  const ssh = await startSshHosts(o.hosts, { servers: sshd, ...loginHomeOption(o.loginHome, work) });
  const logins = await measureLoginCost(ssh);
  console.log(formatLoginCost(logins));
  console.log(`${o.hosts} hosts on ${sshd} sshd processes; tackle --check --forks ${forks}${o.nofile ? `, RLIMIT_NOFILE ${o.nofile}` : ''}, once`);
  try {
    const setup = writeTackleSetup(work, ssh, join(work, 'roots'));
    const baseline = await runMeasured(t.limited(o, [process.execPath, t.tackleBin, 'validate', t.playbook, '-i', setup.inventoryFile]), { cwd: work, env: process.env });
    if (baseline.code !== 0) throw new BenchError(`tackle validate exited ${baseline.code}:\n${(baseline.stdout + baseline.stderr).slice(-3000)}`);
    const m = await runMeasured(t.limited(o, tackleArgv(t.tackleBin, t.playbook, setup, forks, 'check')), { cwd: work, env: process.env });
    if (m.code !== 0) throw new BenchError(`tackle check exited ${m.code}:\n${(m.stdout + m.stderr).slice(-3000)}`);
    const counts = readTackleReport(setup.reportFile('check'), 'check');
    const bad = ssh.hosts.filter((h) => {
      const c = counts.get(h.name);
      return !c || c.failed !== 0 || c.unreachable !== 0 || !(c.changed > 0);
    });
    if (bad.length) throw new BenchError(`check run is not a valid result: ${bad.length} hosts missing, failed, unreachable or with nothing to change (first: ${bad[0]!.name})`);
    const peak = peakControllerMb(m);
    const baselineMb = peakControllerMb(baseline);
    const result: CheckOnlyResult = {
      date: new Date().toISOString(),
      command: `npm run bench -- --hosts ${o.hosts} --check-only${o.sshd ? ` --sshd ${sshd}` : ''}${o.forks ? ` --forks ${forks}` : ''}${o.nofile ? ` --nofile ${o.nofile}` : ''}${o.loginHome === 'own' ? ' --own-home' : ''}`,
      hosts: o.hosts,
      sshd,
      forks,
      nofile: o.nofile ?? null,
      machine,
      logins,
      check: { wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, peakControllerMb: peak, maxProcesses: m.maxProcesses },
      validateBaselineMb: baselineMb,
      perHostKb: ((peak - baselineMb) * 1024) / o.hosts,
    };
    console.log(
      `tackle check ${m.wallSeconds.toFixed(2)} s${m.cpuSeconds === null ? '' : ` (cpu ${m.cpuSeconds.toFixed(2)} s)`}, peak ${peak.toFixed(0)} MB; ` +
        `validate baseline ${baselineMb.toFixed(0)} MB: ${result.perHostKb.toFixed(0)} KB per host above it`,
    );
    return result;
  } finally {
    await ssh.stop();
    if (o.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}
