/** Helpers for the tests that run on the lab fleet: the hosts, and commands inside them. */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { LAB_HOSTS } from '../../lab/fleet/hosts.ts';
import { run } from '../../lab/sh.ts';

export { LAB_HOSTS };

export interface InventoryHost {
  ansible_host: string;
  ansible_port: number;
}

export function inventoryHosts(inventory: string): Record<string, InventoryHost> {
  const doc = parse(readFileSync(inventory, 'utf8')) as { all: { children: { lab: { hosts: Record<string, InventoryHost> } } } };
  return doc.all.children.lab.hosts;
}

/** Runs a shell command inside a lab host (through podman, not SSH); out is its stdout. */
export async function onHost(container: string, script: string): Promise<{ code: number; out: string; err: string }> {
  const r = await run('podman', ['exec', container, 'sh', '-c', script]);
  return { code: r.code, out: r.stdout, err: r.stderr };
}
