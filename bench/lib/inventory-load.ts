import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { medianWallTime } from './wall-time.ts';
import type { InventoryLoadCost } from './report.ts';

const REPEATS = 3;
const SMALL = 10_000;
const LARGE = 100_000;

/** A YAML inventory of `count` hosts in ten groups, about 12 bytes a host (100,000 hosts: 1.3 MB). */
function inventoryText(count: number): string {
  const lines = ['all:', '  children:'];
  const perGroup = count / 10;
  for (let g = 0; g < 10; g++) {
    lines.push(`    group${g}:`, '      hosts:');
    for (let i = g * perGroup; i < (g + 1) * perGroup; i++) lines.push(`        h${i}:`);
  }
  return lines.join('\n') + '\n';
}

/** `tackle validate` of one small play over 10,000 and 100,000 hosts: loading alone, no host contacted. */
export async function measureInventoryLoad(tackleBin: string): Promise<InventoryLoadCost> {
  const dir = mkdtempSync(join(tmpdir(), 'tackle-bench-load-'));
  try {
    const playbook = join(dir, 'site.yml');
    writeFileSync(playbook, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: noop\n      command:\n        argv: ["true"]\n');
    const seconds = async (count: number): Promise<number> => {
      const inventory = join(dir, `hosts-${count}.yml`);
      writeFileSync(inventory, inventoryText(count));
      return medianWallTime([process.execPath, tackleBin, 'validate', playbook, '-i', inventory], REPEATS);
    };
    const smallSeconds = await seconds(SMALL);
    const largeSeconds = await seconds(LARGE);
    return { smallHosts: SMALL, smallSeconds, largeHosts: LARGE, largeSeconds, growth: largeSeconds / smallSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
