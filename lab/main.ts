/**
 * npm run lab [-- up|fleet|down]
 *   up (default): build what is missing, start the fleet, deploy the flagship onto all 3 hosts,
 *                 deploy again and print that second recap (changed=0).
 *   fleet:        build what is missing and start the fleet; write lab/inventory.yml.
 *   hosts:        start the bare hosts only (no service images), e.g. to try SSH and systemd.
 *   down:         remove the hosts; cached images stay.
 */
import { startFleet } from './fleet/start.ts';
import { fleetDown } from './fleet/fleet.ts';
import { deployTwice } from './deploy.ts';
import { withLabLock } from './lock.ts';

async function main(command: string): Promise<number> {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (debootstrap, privileged podman containers)');
  switch (command) {
    case 'down': {
      const removed = await withLabLock(fleetDown);
      console.log(`removed ${removed.length} lab host(s); the images stay cached`);
      return 0;
    }
    case 'fleet':
      await startFleet();
      return 0;
    case 'hosts':
      await startFleet({ services: false });
      return 0;
    case 'up':
      return deployTwice(await startFleet());
    default:
      console.error(`unknown command ${command}: use up, fleet, hosts or down`);
      return 5;
  }
}

main(process.argv[2] ?? 'up').then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
