/** The lab's three hosts: inventory name = hostname, and the podman container that is each host. */
import { createHash } from 'node:crypto';
import { LAB_DIR } from '../paths.ts';

export interface LabHost {
  /** Inventory name and hostname, under the reserved .test domain. */
  name: string;
  container: string;
}

/** Each checkout has its own fleet (its own key and known_hosts), so two checkouts never replace each other's hosts. */
export const CHECKOUT_ID = createHash('sha256').update(LAB_DIR).digest('hex').slice(0, 8);

export const LAB_HOSTS: readonly LabHost[] = ['quay1', 'quay2', 'quay3'].map((short) => ({
  name: `${short}.lab.test`,
  container: `tackle-lab-${CHECKOUT_ID}-${short}`,
}));
