/** The flagship onto the fleet, twice: the second run must change nothing. */
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { REPO_DIR } from './paths.ts';

function tackleRun(inventory: string, echo: boolean): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const args = [join(REPO_DIR, 'bin/tackle.js'), 'run', join(REPO_DIR, 'playbooks/quay-with-clair.yml'), '-i', inventory, '--no-progress'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (echo) process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

export async function deployTwice(inventory: string): Promise<number> {
  console.log('== first run');
  const first = await tackleRun(inventory, true);
  if (first.code !== 0) return first.code;
  console.log('== second run: nothing should change');
  const second = await tackleRun(inventory, false);
  process.stdout.write(second.stdout.slice(second.stdout.lastIndexOf('PLAY RECAP')));
  return second.code;
}
