import type { Connection, ExecResult } from '../../engine/connection.ts';
import { CommandError, TaskError } from '../../engine/errors.ts';
import { requireProgram } from '../../engine/exec-helpers.ts';

/** How a task reaches podman on its host. */
export interface Podman {
  conn: Connection;
  /** The podman program (the task's `podmanPath`). */
  path: string;
}

export interface PodmanCallOptions {
  input?: string;
  timeoutMs?: number;
  /** Exit codes that resolve instead of throwing (default: only 0). */
  okCodes?: readonly number[];
}

/** A pull can take minutes on a slow link; anything else answers within seconds. */
export const PULL_TIMEOUT_MS = 30 * 60_000;
const CALL_TIMEOUT_MS = 5 * 60_000;

/** Exit 127 also comes from a command not found inside a container (podman exec), so the message decides. */
function podmanMissing(stderr: string, path: string): boolean {
  return [': not found', ': command not found', ': spawn', ': No such file'].some((tail) => stderr.includes(`${path}${tail}`));
}

/** Runs `podman ARGS...`; a missing podman is a TaskError naming the package. */
export async function podman(p: Podman, args: readonly string[], opts: PodmanCallOptions = {}): Promise<ExecResult> {
  const argv = [p.path, ...args];
  const result = await p.conn.exec(argv, { input: opts.input, timeoutMs: opts.timeoutMs ?? CALL_TIMEOUT_MS });
  if (podmanMissing(result.stderr, p.path)) requireProgram(result, p.path, p.conn.hostName, 'podman');
  if (!(opts.okCodes ?? [0]).includes(result.code)) throw new CommandError(argv, result.code, result.stderr);
  return result;
}

/** The parts of `podman container inspect` the tasks read. */
export interface ContainerInfo {
  Id: string;
  Name: string;
  /** Image ID the container was created from. */
  Image: string;
  ImageName?: string;
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string };
  Config: {
    Cmd?: string[] | null;
    /** A space-joined string in podman 4, a list in podman 5. */
    Entrypoint?: string | string[] | null;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    User?: string;
    StopTimeout?: number;
    CreateCommand?: string[] | null;
  };
  HostConfig: {
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    NetworkMode?: string;
    RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[] | null;
  NetworkSettings?: { Networks?: Record<string, unknown> | null };
}

/** The parts of `podman image inspect` the tasks read. */
export interface ImageInfo {
  Id: string;
  RepoTags?: string[] | null;
  Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; User?: string };
}

const NO_SUCH_CONTAINER = /no such container|no such object/i;
const NO_SUCH_IMAGE = /image not known|no such image|failed to find image|no such object/i;

function parseFirst<T>(stdout: string, what: string): T {
  const parsed: unknown = JSON.parse(stdout);
  if (!Array.isArray(parsed) || parsed.length === 0 || typeof parsed[0] !== 'object') {
    throw new TaskError(`unexpected output from podman inspect of ${what}`);
  }
  return parsed[0] as T;
}

/** The container named exactly `name` (not an ID prefix that happens to match), or null. */
export async function inspectContainer(p: Podman, name: string): Promise<ContainerInfo | null> {
  const r = await podman(p, ['container', 'inspect', name], { okCodes: [0, 1, 125] });
  if (r.code !== 0) {
    if (NO_SUCH_CONTAINER.test(r.stderr)) return null;
    throw new CommandError([p.path, 'container', 'inspect', name], r.code, r.stderr);
  }
  const info = parseFirst<ContainerInfo>(r.stdout, `container ${name}`);
  return info.Name.replace(/^\//, '') === name ? info : null;
}

export async function inspectImage(p: Podman, ref: string): Promise<ImageInfo | null> {
  const r = await podman(p, ['image', 'inspect', ref], { okCodes: [0, 1, 125] });
  if (r.code !== 0) {
    if (NO_SUCH_IMAGE.test(r.stderr)) return null;
    throw new CommandError([p.path, 'image', 'inspect', ref], r.code, r.stderr);
  }
  return parseFirst<ImageInfo>(r.stdout, `image ${ref}`);
}

export { pendingContainerKey, pendingImageKey } from '../shared/pending-keys.ts';

/** Schema fragment shared by the podman tasks. */
export const podmanPathSchema = {
  type: 'string',
  minLength: 1,
  default: 'podman',
  description: 'The podman program on the target (a bare name is found on PATH).',
} as const;

export function podmanOf(conn: Connection, podmanPath: string): Podman {
  return { conn, path: podmanPath };
}
