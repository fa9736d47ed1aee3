/** lab/inventory.yml: an Ansible YAML inventory of the running fleet, usable by hand. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { INVENTORY, KNOWN_HOSTS, PRIVATE_KEY } from '../paths.ts';
import type { RunningHost } from './fleet.ts';

export function writeInventory(hosts: readonly RunningHost[], vars: Record<string, unknown>): string {
  const inventory = {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: PRIVATE_KEY,
        // Host key checking stays on: the lab wrote these keys, read from each host through podman.
        tackle_known_hosts_file: KNOWN_HOSTS,
        ...vars,
      },
      children: {
        lab: {
          hosts: Object.fromEntries(hosts.map((h) => [h.name, { ansible_host: '127.0.0.1', ansible_port: h.sshPort }])),
        },
      },
    },
  };
  const header = '# Written by `npm run lab`: the lab fleet (podman containers booting systemd), reached over SSH on loopback.\n';
  writeFileSync(INVENTORY, header + stringify(inventory));
  return INVENTORY;
}
