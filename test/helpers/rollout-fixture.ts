import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startSshHosts, type SshTestHosts } from './sshd.ts';
import { tackle, type CliResult } from './cli.ts';

/** N real sshd hosts, an inventory where each host works under its own root dir, and the CLI. */
export interface Rollout {
  ssh: SshTestHosts;
  dir: string;
  inventory: string;
  names: string[];
  /** The directory host `name` writes under. */
  root(name: string): string;
  /** Writes a playbook file in the work dir; returns its path. */
  playbook(file: string, yaml: string): string;
  /** `tackle run PLAYBOOK -i INVENTORY --no-progress ...args`, in the work dir. */
  run(playbook: string, ...args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

/** Groups in the inventory: web = host1..host3, db = host4..host5, the rest ungrouped. */
export async function startRollout(n: number): Promise<Rollout> {
  const ssh = await startSshHosts(n);
  const dir = mkdtempSync(join(tmpdir(), 'tackle-rollout-'));
  const inventory = join(dir, 'hosts.yml');
  const doc = parse(ssh.inventoryYaml({ root: `${dir}/roots/{{ inventory_hostname }}` })) as { all: Record<string, unknown> };
  const names = ssh.hosts.map((h) => h.name);
  const group = (members: string[]) => ({ hosts: Object.fromEntries(members.filter((m) => names.includes(m)).map((m) => [m, null])) });
  doc.all['children'] = { web: group(['host1', 'host2', 'host3']), db: group(['host4', 'host5']) };
  writeFileSync(inventory, stringify(doc));
  return {
    ssh,
    dir,
    inventory,
    names,
    root: (name) => join(dir, 'roots', name),
    playbook(file, yaml) {
      const path = join(dir, file);
      writeFileSync(path, yaml);
      return path;
    },
    run: (playbook, ...args) => tackle(['run', playbook, '-i', inventory, '--no-progress', ...args], { cwd: dir }),
    async stop() {
      await ssh.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A command task that logs "LABEL start NS" / "LABEL end NS" lines (nanoseconds) to ROOT/stamps. */
export function stampTask(label: string, sleepSeconds: number, extra = ''): string {
  return `    - name: ${label}
      command:
        argv: [sh, -c, 'mkdir -p "$1"; echo "$2 start $(date +%s%N)" >> "$1/stamps"; sleep $3; echo "$2 end $(date +%s%N)" >> "$1/stamps"', sh, "{{ root }}", "${label}", "${sleepSeconds}"]
${extra}`;
}

export interface Interval {
  host: string;
  label: string;
  start: number;
  end: number;
}

/** Every stamped interval of the given hosts (milliseconds). */
export function readStamps(rollout: Rollout, hosts: string[]): Interval[] {
  const out: Interval[] = [];
  for (const host of hosts) {
    const file = join(rollout.root(host), 'stamps');
    if (!existsSync(file)) continue;
    const open = new Map<string, number>();
    for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
      const [label, kind, ns] = line.split(' ');
      const ms = Number(BigInt(ns!) / 1_000_000n);
      if (kind === 'start') open.set(label!, ms);
      else out.push({ host, label: label!, start: open.get(label!)!, end: ms });
    }
  }
  return out;
}

/** The largest number of intervals running at the same instant. */
export function maxOverlap(intervals: Interval[]): number {
  const events = intervals.flatMap((i) => [
    { t: i.start, d: 1 },
    { t: i.end, d: -1 },
  ]);
  // At equal times an end counts before a start: touching intervals do not overlap.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const e of events) {
    now += e.d;
    peak = Math.max(peak, now);
  }
  return peak;
}
