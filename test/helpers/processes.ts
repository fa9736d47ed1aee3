import { readdirSync, readFileSync } from 'node:fs';

/** The command lines (NULs as spaces) of this machine's other processes that contain needle, as `ps` would show them. */
export function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) found.push(cmdline);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
