import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SshTestHosts } from '../../test/helpers/sshd.ts';
import { BenchError, type RunMode } from './checks.ts';

export interface AnsibleSetup {
  inventoryFile: string;
  env: NodeJS.ProcessEnv;
  /** Text in the command line of ssh ControlPersist masters serving this run. */
  controlPathDir: string;
}

/** What the bench needs from Ansible; every missing piece names its Debian package. */
export function ansibleProblems(): string[] {
  const problems: string[] = [];
  const version = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    problems.push('ansible-playbook not found: install the Debian package ansible-core');
    return problems;
  }
  const crypto = spawnSync('ansible-doc', ['-t', 'module', 'community.crypto.x509_certificate'], { encoding: 'utf8' });
  if (crypto.error || crypto.status !== 0) {
    problems.push('the community.crypto collection is missing: install the Debian package ansible (it ships the collections)');
  }
  const py = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' });
  if (py.error || py.status !== 0) problems.push('python3 cryptography is missing: install the Debian package python3-cryptography');
  return problems;
}

export function ansibleVersion(): string {
  const r = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0]?.trim() ?? 'unknown';
}

function iniQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * Ansible at its best for this workload: forks = hosts, pipelining, no fact gathering, the
 * interpreter named (no discovery round trip), ssh multiplexing as Ansible sets it by default.
 * Host keys are checked against the same known_hosts file tackle uses.
 */
export function writeAnsibleSetup(dir: string, ssh: SshTestHosts, rootsDir: string): AnsibleSetup {
  mkdirSync(dir, { recursive: true });
  const controlPathDir = join(dir, 'cp');
  mkdirSync(controlPathDir, { recursive: true });
  const sshArgs = `-o UserKnownHostsFile=${ssh.knownHostsFile} -o StrictHostKeyChecking=yes`;
  const lines = ['[all]'];
  for (const h of ssh.hosts) {
    lines.push(
      [
        h.name,
        `ansible_host=${h.address}`,
        `ansible_port=${h.port}`,
        'ansible_user=root',
        `ansible_ssh_private_key_file=${ssh.clientKeyFile}`,
        `ansible_ssh_common_args=${iniQuote(sshArgs)}`,
        `root=${join(rootsDir, h.name)}`,
      ].join(' '),
    );
  }
  const inventoryFile = join(dir, 'hosts.ini');
  writeFileSync(inventoryFile, `${lines.join('\n')}\n`);
  const configFile = join(dir, 'ansible.cfg');
  writeFileSync(
    configFile,
    [
      '[defaults]',
      `forks = ${ssh.hosts.length}`,
      'gathering = explicit',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      'host_key_checking = True',
      'nocolor = True',
      `local_tmp = ${join(dir, 'local-tmp')}`,
      '[ssh_connection]',
      'pipelining = True',
      `control_path_dir = ${controlPathDir}`,
      '',
    ].join('\n'),
  );
  return { inventoryFile, env: { ...process.env, ANSIBLE_CONFIG: configFile, ANSIBLE_FORCE_COLOR: '0' }, controlPathDir };
}

export function ansibleArgv(playbook: string, setup: AnsibleSetup, mode: RunMode): string[] {
  return ['ansible-playbook', '-i', setup.inventoryFile, playbook, ...(mode === 'check' ? ['--check'] : [])];
}

/** PLAY RECAP lines: `host1 : ok=12 changed=0 unreachable=0 failed=0 ...`. */
export function parseAnsibleRecap(stdout: string): Map<string, Record<string, number>> {
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) throw new BenchError('ansible-playbook printed no PLAY RECAP');
  const recap = new Map<string, Record<string, number>>();
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*\S)\s*$/.exec(line);
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const pair of m[2]!.split(/\s+/)) {
      const [k, v] = pair.split('=');
      if (k && v !== undefined) counts[k] = Number(v);
    }
    recap.set(m[1]!, counts);
  }
  return recap;
}
