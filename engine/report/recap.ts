import type { HostCounts } from './events.ts';

/** Ansible-style PLAY RECAP, one line per host. */
export function renderRecap(counts: Map<string, HostCounts>): string {
  const width = Math.max(4, ...[...counts.keys()].map((h) => h.length));
  const lines = ['PLAY RECAP ' + '*'.repeat(60)];
  for (const [host, c] of counts) {
    lines.push(
      `${host.padEnd(width)} : ok=${c.ok}  changed=${c.changed}  unreachable=${c.unreachable}  failed=${c.failed}  skipped=${c.skipped}  ignored=${c.ignored}`,
    );
  }
  return lines.join('\n');
}
