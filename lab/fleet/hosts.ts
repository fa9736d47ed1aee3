/** The lab's three hosts: inventory name = hostname, and the podman container that is each host. */
export interface LabHost {
  /** Inventory name and hostname, under the reserved .test domain. */
  name: string;
  container: string;
}

export const LAB_HOSTS: readonly LabHost[] = ['quay1', 'quay2', 'quay3'].map((short) => ({
  name: `${short}.lab.test`,
  container: `tackle-lab-${short}`,
}));
