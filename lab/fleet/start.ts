/** Everything up to a usable fleet: images built (or cached), hosts booted, inventory written. */
import { ensureHostImage, HOST_IMAGE } from '../images/host-image.ts';
import { ensureServiceArchives, serviceImageVars } from '../images/service-images.ts';
import { fleetUp } from './fleet.ts';
import { writeInventory } from './inventory.ts';
import { withLabLock } from '../lock.ts';

export interface StartOptions {
  /** false: bare hosts (service images not built; the inventory names them all the same), for what needs only SSH and systemd. */
  services?: boolean;
  /** Replace running hosts by new ones (a test that needs hosts nothing was deployed on). */
  fresh?: boolean;
}

/** Returns the path of lab/inventory.yml. */
export async function startFleet(opts: StartOptions = {}): Promise<string> {
  return withLabLock(() => start(opts));
}

async function start({ services = true, fresh = false }: StartOptions): Promise<string> {
  const started = Date.now();
  const [hostHash, imageVars] = await Promise.all([ensureHostImage(), services ? ensureServiceArchives() : serviceImageVars()]);
  const hosts = await fleetUp(HOST_IMAGE, hostHash, fresh);
  const inventory = writeInventory(hosts, imageVars);
  for (const h of hosts) console.log(`${h.name}: ssh root@127.0.0.1 -p ${h.sshPort}`);
  console.log(`fleet up in ${Math.round((Date.now() - started) / 1000)}s; inventory: ${inventory}`);
  return inventory;
}
