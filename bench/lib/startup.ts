import { spawn } from 'node:child_process';
import type { StartupCost } from './report.ts';

const REPEATS = 5;

function timeOnce(argv: string[]): Promise<number> {
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

/** Median wall time of REPEATS runs, one after the other. */
async function median(argv: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) times.push(await timeOnce(argv));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** What starting the tool costs before it touches a host; part of every run's wall time. */
export async function measureStartup(tackleBin: string, withAnsible: boolean): Promise<StartupCost> {
  return {
    nodeSeconds: await median([process.execPath, '-e', '0']),
    tackleHelpSeconds: await median([process.execPath, tackleBin, 'run', '--help']),
    tackleMainHelpSeconds: await median([process.execPath, tackleBin, '--help']),
    ansibleVersionSeconds: withAnsible ? await median(['ansible-playbook', '--version']) : null,
  };
}
