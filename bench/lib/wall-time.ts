import { spawn } from 'node:child_process';

/** Wall time of one run of argv, in seconds; a non-zero exit is an error. */
function timeOnce(argv: readonly string[]): Promise<number> {
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

/** Median wall time of `repeats` runs, one after the other. */
export async function medianWallTime(argv: readonly string[], repeats: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await timeOnce(argv));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
