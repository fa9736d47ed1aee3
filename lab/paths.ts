/** Where the lab keeps what it generates (all git-ignored) and the names it gives things. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const LAB_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_DIR = join(LAB_DIR, '..');
export const CACHE_DIR = join(LAB_DIR, 'cache');
/** `podman save` archives of the service images, mounted read-only into every host. */
export const ARCHIVE_DIR = join(CACHE_DIR, 'archives');
export const KEY_DIR = join(LAB_DIR, 'keys');
export const PRIVATE_KEY = join(KEY_DIR, 'id_ed25519');
export const KNOWN_HOSTS = join(LAB_DIR, 'known_hosts');
export const INVENTORY = join(LAB_DIR, 'inventory.yml');
/** podman settings for the controller, whose default runtime (crun) cannot start containers here. */
export const CONTROLLER_CONTAINERS_CONF = join(LAB_DIR, 'images', 'files', 'controller-containers.conf');

/** Where the archives appear inside each host. */
export const HOST_ARCHIVE_DIR = '/var/lib/tackle-lab/images';
export const HOST_LABEL = 'io.tackle.lab.host';
export const CHECKOUT_LABEL = 'io.tackle.lab.checkout';
export const RECIPE_LABEL = 'io.tackle.lab.recipe';
/** The fingerprint of the lab key a host was created to authorize (its authorized_keys is a bind mount of that file). */
export const KEY_LABEL = 'io.tackle.lab.key';
