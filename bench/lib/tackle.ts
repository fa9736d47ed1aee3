import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SshTestHosts } from '../../test/helpers/sshd.ts';
import { BenchError, type HostCounts, type RunMode } from './checks.ts';

export interface TackleSetup {
  inventoryFile: string;
  reportFile(mode: RunMode): string;
}

export function writeTackleSetup(dir: string, ssh: SshTestHosts, rootsDir: string): TackleSetup {
  const inventoryFile = join(dir, 'hosts.yml');
  writeFileSync(inventoryFile, ssh.inventoryYaml({ root: `${rootsDir}/{{ inventory_hostname }}` }));
  return { inventoryFile, reportFile: (mode) => join(dir, `report-${mode}.json`) };
}

export function tackleArgv(bin: string, playbook: string, setup: TackleSetup, forks: number, mode: RunMode): string[] {
  return [
    process.execPath,
    bin,
    'run',
    playbook,
    '-i',
    setup.inventoryFile,
    '--forks',
    String(forks),
    '--no-progress',
    '--report',
    setup.reportFile(mode),
    ...(mode === 'check' ? ['--check'] : []),
  ];
}

interface TackleReport {
  check: boolean;
  durationMs: number;
  hosts: Record<string, HostCounts>;
}

export function readTackleReport(file: string, mode: RunMode): Map<string, HostCounts> {
  if (!existsSync(file)) throw new BenchError(`tackle wrote no report at ${file}`);
  const report = JSON.parse(readFileSync(file, 'utf8')) as TackleReport;
  if (report.check !== (mode === 'check')) throw new BenchError(`tackle report says check=${report.check} for the ${mode} run`);
  return new Map(Object.entries(report.hosts));
}
