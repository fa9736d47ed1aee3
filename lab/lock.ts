/**
 * One lab operation at a time on this machine (npm run lab, and test files that start the
 * fleet): a lock file holding the owner's pid; a dead owner's lock is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './paths.ts';
import { sleep } from './sh.ts';

const LOCK = join(CACHE_DIR, 'lab.lock');

function ownerAlive(): boolean {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8').trim());
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(CACHE_DIR, { recursive: true });
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      if (!ownerAlive()) rmSync(LOCK, { force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}
