import { selectHosts } from '../engine/load/host-pattern.ts';
import type { Loaded } from '../engine/load/loader.ts';
import { selectedByTags } from '../engine/run/tag-selection.ts';

export interface ListRequest {
  hosts: boolean;
  tasks: boolean;
  tags: boolean;
  limit?: Set<string>;
  onlyTags: string[];
  skipTags: string[];
}

/**
 * What --list-hosts, --list-tasks and --list-tags print, in ansible-playbook's layout: per play
 * its pattern and hosts (after --limit), the tasks --tags/--skip-tags select with their
 * inherited tags, and the union of those tags. Connects to nothing.
 */
export function listPlaybook(loaded: Loaded, req: ListRequest): string {
  const lines = ['', `playbook: ${loaded.playbook.file}`];
  loaded.playbook.plays.forEach((play, i) => {
    lines.push('', `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: ${tagList(play.tags)}`);
    if (req.hosts) {
      const hosts = selectHosts(loaded.inventory, play.hosts).filter((h) => !req.limit || req.limit.has(h));
      lines.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
    }
    const selected = play.tasks
      .map((task) => ({ name: task.name, tags: [...new Set([...task.tags, ...play.tags])] }))
      .filter((task) => selectedByTags(task.tags, req.onlyTags, req.skipTags));
    if (req.tasks) lines.push('    tasks:', ...selected.map((task) => `      ${task.name}\tTAGS: ${tagList(task.tags)}`));
    if (req.tags) lines.push(`      TASK TAGS: ${tagList(selected.flatMap((task) => task.tags))}`);
  });
  return lines.join('\n') + '\n';
}

function tagList(tags: readonly string[]): string {
  return `[${[...new Set(tags)].sort().join(', ')}]`;
}
