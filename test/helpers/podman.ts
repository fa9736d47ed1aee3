/**
 * Real podman for tests, with no registry: images are built locally from Debian's static
 * busybox, and a containers.conf override makes runc work on this kind of machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, statSync, symlinkSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerInfo } from '../../tasks/podman/cli.ts';

const BUSYBOX = '/bin/busybox';
const TEST_CONF = `[engine]
runtime = "runc"
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
`;
/** Written only when this machine's podman cannot run a container without it (see ensurePodmanTestConfig). */
const SYSTEM_DROP_IN = '/etc/containers/containers.conf.d/50-tackle-tests.conf';
const PROBE_IMAGE = 'tackle-test-busybox';

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs podman locally with the test environment (CONTAINERS_CONF once ensurePodmanTestConfig ran). */
export function podmanRaw(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<PodmanResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new Error(`podman: ${e.message} (install the Debian package podman)`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** podman ARGS, which must succeed; returns stdout. */
export async function podmanCli(...args: string[]): Promise<string> {
  const r = await podmanRaw(args);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

function requirePrograms(): void {
  if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('podman not found: install the Debian package podman');
  }
  const ldd = spawnSync('ldd', [BUSYBOX], { encoding: 'utf8' });
  if (!existsSync(BUSYBOX) || !/not a dynamic executable/.test(`${ldd.stdout}${ldd.stderr}`)) {
    throw new Error(`${BUSYBOX} missing or not static: install the Debian package busybox-static`);
  }
}

let configured: Promise<void> | undefined;

/**
 * Makes podman usable for the tests, once per process:
 * - CONTAINERS_CONF in process.env (local connections inherit it);
 * - over ssh, sshd gives sessions a fresh environment, so when podman cannot run a container
 *   with its system configuration (probed), the same override goes into a containers.conf.d
 *   drop-in. Nothing else in /etc is touched, and an already working podman is left as it is.
 */
export function ensurePodmanTestConfig(): Promise<void> {
  configured ??= (async () => {
    requirePrograms();
    const confFile = join(tmpdir(), 'tackle-podman-tests.conf');
    writeFileSync(confFile, TEST_CONF);
    const image = await buildBusyboxImage(PROBE_IMAGE);
    const systemEnv = { ...process.env };
    delete systemEnv.CONTAINERS_CONF;
    const probe = () => podmanRaw(['run', '--rm', image, 'true'], systemEnv);
    if (!existsSync(SYSTEM_DROP_IN) && (await probe()).code !== 0) {
      mkdirSync(dirname(SYSTEM_DROP_IN), { recursive: true });
      writeFileSync(SYSTEM_DROP_IN, TEST_CONF);
      const again = await probe();
      if (again.code !== 0) throw new Error(`podman cannot run a container even with ${SYSTEM_DROP_IN}: ${again.stderr.trim()}`);
    }
    process.env.CONTAINERS_CONF = confFile;
  })();
  return configured;
}

export interface BusyboxImageOptions {
  /** Default ["/bin/busybox"]: the command is a busybox applet, e.g. ["httpd", "-f"]. */
  entrypoint?: string[];
  /** Default ["sh"]. */
  cmd?: string[];
  /** Extra files by path in the image ("bin/psql": "#!/bin/sh\n..."); a "#!" file is made executable. */
  files?: Record<string, string>;
}

function imageRef(name: string): string {
  const withTag = /:[^/]+$/.test(name) ? name : `${name}:latest`;
  const first = withTag.split('/')[0]!;
  return withTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? withTag : `localhost/${withTag}`;
}

function specHash(opts: BusyboxImageOptions): string {
  const bb = statSync(BUSYBOX);
  return createHash('sha256')
    .update(JSON.stringify({ opts, busybox: [bb.size, bb.mtimeMs], v: 1 }))
    .digest('hex')
    .slice(0, 16);
}

/** Serialises image builds across the test processes that run at once. */
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), `tackle-image-${key}.lock`);
  for (let waited = 0; ; waited += 100) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      if (waited > 60_000) rmSync(lock, { force: true }); // a crashed builder's lock
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function writeRootfs(root: string, opts: BusyboxImageOptions): void {
  for (const dir of ['bin', 'etc', 'tmp', 'root', 'var/run', 'www']) mkdirSync(join(root, dir), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  for (const [path, content] of Object.entries(opts.files ?? {})) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) unlinkSync(file);
    writeFileSync(file, content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
  }
}

/**
 * A local image localhost/NAME[:TAG] made of busybox-static plus opts.files; rebuilt only when
 * missing or built from other options. Returns the image reference.
 */
export async function buildBusyboxImage(name: string, opts: BusyboxImageOptions = {}): Promise<string> {
  requirePrograms();
  const ref = imageRef(name);
  const hash = specHash(opts);
  const current = async () => {
    const r = await podmanRaw(['image', 'inspect', '--format', '{{index .Labels "tackle.test.spec"}}', ref]);
    return r.code === 0 && r.stdout.trim() === hash;
  };
  if (await current()) return ref;
  return withLock(createHash('sha256').update(ref).digest('hex').slice(0, 12), async () => {
    if (await current()) return ref;
    const dir = mkdtempSync(join(tmpdir(), 'tackle-image-'));
    try {
      writeRootfs(join(dir, 'root'), opts);
      const tarball = join(dir, 'rootfs.tar');
      const tar = spawnSync('tar', ['-C', join(dir, 'root'), '--owner=0', '--group=0', '-cf', tarball, '.'], { encoding: 'utf8' });
      if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
      await podmanCli(
        'import',
        '--change', `ENTRYPOINT ${JSON.stringify(opts.entrypoint ?? ['/bin/busybox'])}`,
        '--change', `CMD ${JSON.stringify(opts.cmd ?? ['sh'])}`,
        '--change', `LABEL tackle.test.spec=${hash}`,
        tarball,
        ref,
      );
      return ref;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Removes containers (missing ones are fine) without waiting for a graceful stop. */
export async function removeContainers(...names: string[]): Promise<void> {
  if (names.length) await podmanCli('rm', '--force', '--ignore', '--time', '0', ...names);
}

export async function inspectContainerJson(name: string): Promise<ContainerInfo> {
  const list = JSON.parse(await podmanCli('container', 'inspect', name)) as ContainerInfo[];
  return list[0]!;
}

/** Names of all containers, running or not, whose name starts with prefix. */
export async function containersNamed(prefix: string): Promise<string[]> {
  const out = await podmanCli('ps', '-a', '--format', '{{.Names}}');
  return out.split('\n').filter((n) => n.startsWith(prefix));
}

export { freeLoopbackPort as freePort } from '../../lab/fleet/ports.ts';

/** GET url, retrying for a few seconds while the server starts; resolves with status and body. */
export async function httpGet(url: string, waitMs = 5000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A unique container name per test run, so parallel runs never meet. */
export function uniqueName(label: string): string {
  return `tackle-t-${label}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
}
