/**
 * Starting and removing the lab hosts: privileged podman containers that boot systemd, each
 * with its own hostname, its sshd published on 127.0.0.1 only (a port podman picks), and its
 * own host keys, which the controller reads through podman (not over the network) into the
 * lab's known_hosts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ARCHIVE_DIR, CHECKOUT_LABEL, HOST_ARCHIVE_DIR, HOST_LABEL, KEY_DIR, KEY_LABEL, KNOWN_HOSTS, PRIVATE_KEY, RECIPE_LABEL } from '../paths.ts';
import { must, podman, run, sleep } from '../sh.ts';
import { CHECKOUT_ID, LAB_HOSTS, type LabHost } from './hosts.ts';
import { sshAnswerProblem, withFreeSshPort } from './ports.ts';

export interface RunningHost extends LabHost {
  sshPort: number;
}

const BOOT_TIMEOUT_MS = 120_000;
/** A host whose port does not lead to it is replaced, by one on another port, at most this often. */
const REACH_ATTEMPTS = 3;

export async function ensureLabKey(): Promise<void> {
  if (existsSync(PRIVATE_KEY)) return;
  mkdirSync(KEY_DIR, { recursive: true, mode: 0o700 });
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tackle-lab', '-f', PRIVATE_KEY]);
}

interface ContainerState {
  running: boolean;
  recipe: string;
  key: string;
}

/**
 * A fresh checkout at the same path makes a new key: a host left running by the old one still
 * authorizes the old key (its bind mount holds the deleted file), so it must not be reused.
 */
function labKeyId(): string {
  return createHash('sha256').update(readFileSync(`${PRIVATE_KEY}.pub`)).digest('hex').slice(0, 16);
}

async function containerState(name: string): Promise<ContainerState | undefined> {
  const format = `{{.State.Running}} {{index .Config.Labels "${RECIPE_LABEL}"}} {{index .Config.Labels "${KEY_LABEL}"}}`;
  const r = await run('podman', ['container', 'inspect', '--format', format, name]);
  if (r.code !== 0) return undefined;
  const [running, recipe, key] = r.stdout.trim().split(' ');
  return { running: running === 'true', recipe: recipe ?? '', key: key ?? '' };
}

/**
 * podman can still call a container running whose processes were all ended (the machine's
 * processes were killed and podman never saw its conmon go); only an exec tells.
 */
async function answersExec(name: string): Promise<boolean> {
  return (await run('podman', ['exec', name, 'true'])).code === 0;
}

async function createHost(host: LabHost, image: string): Promise<void> {
  mkdirSync(ARCHIVE_DIR, { recursive: true });
  await withFreeSshPort((port) => podman(
    'run', '-d', '--name', host.container, '--hostname', host.name,
    '--label', `${HOST_LABEL}=${host.name}`,
    '--label', `${CHECKOUT_LABEL}=${CHECKOUT_ID}`,
    '--label', `${KEY_LABEL}=${labKeyId()}`,
    '--privileged', '--systemd=always', '--cgroupns=host',
    '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
    // Its own podman storage, removed with the host (podman rm -v).
    '-v', '/var/lib/containers',
    '-v', `${PRIVATE_KEY}.pub:/root/.ssh/authorized_keys:ro`,
    '-v', `${ARCHIVE_DIR}:${HOST_ARCHIVE_DIR}:ro`,
    '-p', `127.0.0.1:${port}:22`,
    image, '/sbin/init',
  ));
}

async function replaceHost(host: LabHost, image: string, exists: boolean): Promise<void> {
  if (exists) await removeHost(host.container);
  await createHost(host, image);
}

/**
 * A container whose conmon was killed fails its first removal (podman waits for an exit file
 * nobody writes) but is marked stopped by it, and the second removal succeeds.
 */
async function removeHost(container: string): Promise<void> {
  const args = ['rm', '--force', '--volumes', '--time', '5', container];
  if ((await run('podman', args)).code !== 0) await podman(...args);
}

async function sshPortOf(container: string): Promise<number> {
  const out = await podman('port', container, '22/tcp');
  const m = /:(\d+)\s*$/m.exec(out.trim());
  if (!m) throw new Error(`${container}: sshd is not published (${out.trim()})`);
  return Number(m[1]);
}

/** Waits for systemd to finish booting and sshd to run; returns the host's public keys. */
async function waitBooted(container: string): Promise<string[]> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const state = await run('podman', ['exec', container, 'systemctl', 'is-system-running']);
    last = state.stdout.trim();
    const ssh = await run('podman', ['exec', container, 'systemctl', 'is-active', 'ssh.service']);
    if (['running', 'degraded'].includes(last) && ssh.stdout.trim() === 'active') {
      const keys = await podman('exec', container, 'sh', '-c', 'cat /etc/ssh/ssh_host_*_key.pub');
      return keys.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 2).join(' '));
    }
    await sleep(500);
  }
  const failed = await run('podman', ['exec', container, 'systemctl', '--failed', '--no-legend']);
  throw new Error(`${container} did not boot within ${BOOT_TIMEOUT_MS / 1000}s (is-system-running: ${last || 'no answer'}; failed units: ${failed.stdout.trim() || 'none'})`);
}

/**
 * Starts every host that is not running from the current image for the current lab key (a
 * leftover from an earlier run with an older image or another checkout's key, or stopped, is
 * replaced; with fresh, every one is); writes known_hosts.
 */
export async function fleetUp(image: string, recipeHash: string, fresh = false): Promise<RunningHost[]> {
  await ensureLabKey();
  const hosts = await Promise.all(
    LAB_HOSTS.map(async (host) => {
      const state = await containerState(host.container);
      const reusable = !fresh && state?.running && state.recipe === recipeHash && state.key === labKeyId() && (await answersExec(host.container));
      if (!reusable) await replaceHost(host, image, state !== undefined);
      return reached(host, image);
    }),
  );
  writeFileSync(KNOWN_HOSTS, hosts.flatMap((h) => h.keys.map((k) => `[127.0.0.1]:${h.sshPort} ${k}\n`)).join(''));
  return hosts.map(({ keys: _keys, ...h }) => h);
}

/**
 * Waits for the host to boot, then checks from the controller that its published port answers
 * with its own keys; a host whose port leads elsewhere or nowhere is replaced.
 */
async function reached(host: LabHost, image: string): Promise<RunningHost & { keys: string[] }> {
  for (let attempt = 1; ; attempt++) {
    const keys = await waitBooted(host.container);
    const sshPort = await sshPortOf(host.container);
    const problem = await sshAnswerProblem(sshPort, keys);
    if (!problem) return { ...host, sshPort, keys };
    if (attempt === REACH_ATTEMPTS) throw new Error(`${host.container}: ${problem} (replaced ${attempt - 1} times)`);
    console.log(`${host.name}: ${problem}; replacing the host`);
    await replaceHost(host, image, true);
  }
}

/** Removes this checkout's lab hosts (by label, so renamed leftovers go too); the images stay. */
export async function fleetDown(): Promise<string[]> {
  const ids = (await podman('ps', '-a', '-q', '--filter', `label=${CHECKOUT_LABEL}=${CHECKOUT_ID}`)).split('\n').filter(Boolean);
  for (const id of ids) await removeHost(id);
  return ids;
}
