import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { medianWallTime } from './wall-time.ts';

const REPEATS = 3;

const median = (argv: string[]): Promise<number> => medianWallTime(argv, REPEATS);

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
