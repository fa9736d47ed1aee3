import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPEATS = 3;

function timeRun(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

async function median(argv: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) times.push(await timeRun(argv));
  return times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)]!;
}

export interface FactsCost {
  withFactsSeconds: number;
  withoutFactsSeconds: number;
}

/** What gather_facts adds to a run: a one-task playbook over every host, with and without facts (medians). */
export async function measureFactsCost(tackleBin: string, inventoryFile: string, dir: string, forks: number): Promise<FactsCost> {
  const playbook = (gather: boolean): string => {
    const file = join(dir, `facts-${gather}.yml`);
    writeFileSync(file, `- hosts: all\n  gather_facts: ${gather}\n  tasks:\n    - name: one command\n      command: { argv: ['true'], changedWhen: never }\n`);
    return file;
  };
  const argv = (file: string): string[] => [process.execPath, tackleBin, 'run', file, '-i', inventoryFile, '--forks', String(forks), '--no-progress'];
  const withFacts = playbook(true);
  const withoutFacts = playbook(false);
  return { withFactsSeconds: await median(argv(withFacts)), withoutFactsSeconds: await median(argv(withoutFacts)) };
}
