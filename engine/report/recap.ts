import type { HostCounts } from './events.ts';

/** Above this many hosts the recap groups identical rows. */
export const GROUP_RECAP_ABOVE = 50;

/**
 * Ansible-style PLAY RECAP: one line per host; for more than 50 hosts, one line per distinct row
 * (`950 hosts : ok=31  changed=0 ...`, most common first), then the failed and unreachable hosts by name.
 */
export function renderRecap(counts: Map<string, HostCounts>): string {
  const lines = ['PLAY RECAP ' + '*'.repeat(60)];
  if (counts.size <= GROUP_RECAP_ABOVE) {
    const width = Math.max(4, ...[...counts.keys()].map((h) => h.length));
    for (const [host, c] of counts) lines.push(`${host.padEnd(width)} : ${row(c)}`);
    return lines.join('\n');
  }
  const groups = new Map<string, number>();
  for (const c of counts.values()) groups.set(row(c), (groups.get(row(c)) ?? 0) + 1);
  const sorted = [...groups].sort((a, b) => b[1] - a[1]);
  const labels = sorted.map(([, n]) => `${n} host${n === 1 ? '' : 's'}`);
  const width = Math.max(...labels.map((l) => l.length));
  sorted.forEach(([text], i) => lines.push(`${labels[i]!.padStart(width)} : ${text}`));
  for (const [what, key] of [
    ['failed', 'failed'],
    ['unreachable', 'unreachable'],
  ] as const) {
    const hosts = [...counts].filter(([, c]) => c[key] > 0).map(([h]) => h);
    if (hosts.length > 0) lines.push(`${what} (${hosts.length}): ${hosts.join(', ')}`);
  }
  return lines.join('\n');
}

/** Hosts as a header names them: each up to GROUP_RECAP_ABOVE, above that their count, first and last. */
export function hostListText(hosts: readonly string[]): string {
  return hosts.length <= GROUP_RECAP_ABOVE ? hosts.join(', ') : `${hosts.length} hosts (${hosts[0]} ... ${hosts.at(-1)})`;
}

/** At most `max` names, then how many more. */
export function someHosts(hosts: readonly string[], max: number): string {
  return hosts.length <= max ? hosts.join(', ') : `${hosts.slice(0, max).join(', ')} and ${hosts.length - max} more`;
}

function row(c: HostCounts): string {
  return `ok=${c.ok}  changed=${c.changed}  unreachable=${c.unreachable}  failed=${c.failed}  skipped=${c.skipped}  rescued=${c.rescued}  ignored=${c.ignored}`;
}
