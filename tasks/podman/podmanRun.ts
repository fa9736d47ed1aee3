import { TaskError } from '../../engine/errors.ts';
import { valueDigest } from '../shared/fingerprint.ts';
import { defineTask, type CheckResult, type FileDiff, type PlannedChange, type TaskContext } from '../../engine/task.ts';
import {
  inspectContainer,
  inspectImage,
  pendingContainerKey,
  pendingImageKey,
  podman,
  podmanOf,
  podmanPathSchema,
  type ContainerInfo,
  type ImageInfo,
  type Podman,
} from './cli.ts';
import {
  compareContainer,
  createArgs,
  envFileBody,
  envValues,
  renderActual,
  renderDesired,
  type DesiredContainer,
} from './container-spec.ts';
import { parseVolumeSpec } from './mounts.ts';
import { parsePortSpec } from './ports.ts';
import { pullImage } from './pull.ts';
import { withTargetTempDir } from '../../engine/exec-helpers.ts';
import { registryAuthSchema, type RegistryAuth } from './registry-auth.ts';
import { argList } from '../shared/words.ts';
import { imageRefSchema } from '../shared/image-ref.ts';

type Scalar = string | number | boolean;

export interface PodmanRunParams {
  name: string;
  image?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  env?: Record<string, Scalar>;
  ports: string[];
  volumes: string[];
  network?: string;
  restart: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  labels?: Record<string, Scalar>;
  user?: string;
  stopTimeout?: number;
  state: 'started' | 'stopped' | 'absent' | 'restarted';
  pull: 'missing' | 'always' | 'never';
  registryAuth?: RegistryAuth;
  recreate?: boolean;
  podmanPath: string;
}

type Action = 'remove' | 'create' | 'start' | 'stop' | 'restart';

interface RunPlan {
  actions: Action[];
  desired: DesiredContainer | null;
}

const argsSchema = (what: string) => ({
  type: ['string', 'array'],
  items: { type: 'string' },
  description: `${what} A list is passed as is; a string is split into words with shell quoting rules (nothing is expanded).`,
});

const scalarMap = (description: string, keys?: { pattern: string }) => ({
  type: 'object',
  description,
  ...(keys ? { propertyNames: keys } : {}),
  additionalProperties: { type: ['string', 'number', 'boolean'] },
});

/** What a shell and podman accept as an environment variable name: no `=`, no line break. */
export const ENV_NAME = { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' };

const stringify = (m: Record<string, Scalar> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, String(v)]));

function desiredOf(p: PodmanRunParams, image: string, info: ImageInfo | null): DesiredContainer {
  return {
    name: p.name,
    image,
    imageId: info?.Id ?? null,
    entrypoint: p.entrypoint !== undefined ? argList(p.entrypoint) : null,
    command: p.command !== undefined ? argList(p.command) : null,
    env: envValues(p.env),
    ports: p.ports.flatMap(parsePortSpec),
    mounts: p.volumes.map(parseVolumeSpec),
    network: p.network,
    restart: p.restart,
    labels: stringify(p.labels),
    user: p.user,
    stopTimeout: p.stopTimeout,
  };
}

/** Image present (pulled now when allowed and not --check), or null in --check when a pull would be needed. */
async function resolveImage(ctx: TaskContext<PodmanRunParams>, pm: Podman, image: string) {
  const policy = ctx.params.pull;
  const local = await inspectImage(pm, image);
  if (!local && policy === 'never') {
    throw new TaskError(`image ${image} is not present on ${ctx.host} and pull is "never"`);
  }
  // A pull is the only way to learn the registry's current ID, so it belongs to the probe.
  if (ctx.checkMode || (local && policy !== 'always')) return { info: local, pulled: false };
  const info = await pullImage(pm, image, ctx.params.registryAuth);
  return { info, pulled: local === null };
}

function lifecycleActions(state: string, info: ContainerInfo): { actions: Action[]; reason?: string } {
  const running = info.State.Running;
  if (state === 'restarted') return { actions: [running ? 'restart' : 'start'], reason: 'restart requested' };
  if (state === 'started' && !running) return { actions: ['start'], reason: 'not running' };
  if (state === 'stopped' && running) return { actions: ['stop'], reason: 'running' };
  return { actions: [] };
}

function stateWord(state: string): string {
  return state === 'absent' ? 'absent' : state === 'stopped' ? 'stopped' : 'running';
}

async function check(ctx: TaskContext<PodmanRunParams>): Promise<CheckResult<RunPlan>> {
  const p = ctx.params;
  const pm = podmanOf(ctx.conn, p.podmanPath);
  const state = p.state;
  const info = await inspectContainer(pm, p.name);
  const diffPath = `container ${p.name}`;

  const fingerprint = { [`container ${p.name}`]: containerFingerprint(info) };
  if (state === 'absent') {
    if (!info) return { changed: false, fingerprint };
    const before = `state: ${info.State.Running ? 'running' : 'stopped'}\n`;
    const plan: RunPlan = { actions: ['remove'], desired: null };
    return { changed: true, reasons: ['container exists'], state: plan, diff: [{ path: diffPath, before, after: 'state: absent\n' }], fingerprint };
  }
  if (!p.image) throw new TaskError(`podmanRun ${p.name}: image is required unless state is absent`);
  // podman silently discards them, and the comparison would then recreate on every run.
  if (p.ports.length && /^(host|none|container:|ns:)/.test(p.network ?? '')) {
    throw new TaskError(`podmanRun ${p.name}: ports cannot be published with network ${p.network}`);
  }

  const image = await resolveImage(ctx, pm, p.image);
  const desired = desiredOf(p, p.image, image.info);
  const reasons: string[] = image.pulled ? [`image ${p.image} pulled`] : [];
  let actions: Action[];
  if (!info) {
    reasons.push('container missing');
    if (desired.imageId === null) reasons.push(`image ${p.image} not present: would pull`);
    actions = ['create'];
  } else {
    const mismatch = p.recreate ? ['recreate requested'] : compareContainer(desired, info, image.info);
    if (mismatch.length > 0) {
      reasons.push(...mismatch);
      actions = ['remove', 'create'];
    } else {
      const lifecycle = lifecycleActions(state, info);
      if (lifecycle.reason) reasons.push(lifecycle.reason);
      actions = lifecycle.actions;
    }
  }
  const diff: FileDiff[] = [
    { path: diffPath, before: renderActual(desired, info), after: renderDesired(desired, info, image.info, stateWord(state)) },
  ];
  const plan: RunPlan = { actions, desired };
  fingerprint[`image ${p.image}`] = image.info?.Id ?? 'absent';
  return { changed: reasons.length > 0, reasons, diff: actions.length ? diff : [], state: plan, data: { containerId: info?.Id }, fingerprint };
}

/** Which container it is (a re-created one has a new ID), from which image, in which state; its spec by digest. */
function containerFingerprint(info: ContainerInfo | null): string {
  if (!info) return 'absent';
  return `${info.Id} image ${info.Image} ${info.State.Running ? 'running' : 'stopped'} config ${valueDigest(info.Config)}`;
}

async function create(ctx: TaskContext<PodmanRunParams>, pm: Podman, d: DesiredContainer): Promise<void> {
  const p = ctx.params;
  const mode = p.state === 'stopped' ? 'create' : 'run';
  const raw = { ports: p.ports, volumes: p.volumes, entrypoint: d.entrypoint, command: d.command };
  const body = envFileBody(d.env);
  if (!body) {
    await podman(pm, createArgs(d, mode, raw, null));
    return;
  }
  await withTargetTempDir(ctx.conn, async (dir) => {
    const envFile = `${dir}/env`;
    await ctx.conn.writeFile(envFile, body, { mode: 0o600 });
    await podman(pm, createArgs(d, mode, raw, envFile));
  });
}

/** A container that dies at once would otherwise be "started" on every run without a word. */
async function requireRunning(pm: Podman, name: string): Promise<ContainerInfo> {
  const info = await inspectContainer(pm, name);
  if (info?.State.Running) return info;
  const logs = await podman(pm, ['logs', '--tail', '20', name], { okCodes: [0, 125] });
  const tail = `${logs.stdout}${logs.stderr}`.trim();
  throw new TaskError(
    `container ${name} is not running right after start (status ${info?.State.Status ?? 'missing'}, exit code ${info?.State.ExitCode ?? '?'})` +
      (tail ? `; last log lines:\n${tail}` : ''),
  );
}

async function change(ctx: TaskContext<PodmanRunParams>, result: PlannedChange<RunPlan>) {
  const plan = result.state;
  const pm = podmanOf(ctx.conn, ctx.params.podmanPath);
  const name = ctx.params.name;
  for (const action of plan.actions) {
    if (action === 'remove') await podman(pm, ['rm', '-f', name]);
    else if (action === 'create') await create(ctx, pm, plan.desired!);
    else await podman(pm, [action, name]);
  }
  const state = ctx.params.state;
  if (state === 'absent') return { message: 'removed' };
  const info = state === 'stopped' ? await inspectContainer(pm, name) : await requireRunning(pm, name);
  return { message: plan.actions.join(', ') || undefined, data: { containerId: info?.Id } };
}

export default defineTask<PodmanRunParams, RunPlan>({
  name: 'podmanRun',
  summary:
    'A podman container in the wanted state; an existing container that matches the spec (inspected, normalised) is left alone, otherwise recreated.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$', description: 'Container name.' },
      image: imageRefSchema('Image reference; required unless state is absent. Starts with a letter or digit.'),
      command: argsSchema('Arguments after the image (the image CMD when unset).'),
      entrypoint: argsSchema("Overrides the image's entrypoint; as with podman, this also drops the image's CMD."),
      env: scalarMap('Environment variables. Only these keys are compared with the container (the image may add others). Names are letters, digits and `_`. Values reach podman through a 0600 env file, never the command line (a value with a line break is refused); --diff names the keys that differ, never a value.', ENV_NAME),
      ports: {
        type: 'array',
        items: { type: 'string' },
        default: [],
        description: 'Published ports: "8080:8080", "127.0.0.1:443:8443", "5433:5432/tcp", "8000-8001:80-81". Host IP 0.0.0.0 and protocol tcp are the defaults.',
      },
      volumes: {
        type: 'array',
        items: { type: 'string' },
        default: [],
        description: 'Mounts: "/abs/host/path:/ctr/path[:OPTIONS]" or "VOLUME:/ctr/path[:OPTIONS]", OPTIONS like Z, z, ro.',
      },
      network: { type: 'string', minLength: 1, description: 'podman --network (e.g. host, or a network name); compared only when set.' },
      restart: {
        enum: ['no', 'on-failure', 'always', 'unless-stopped'],
        default: 'no',
        description: "podman's --restart policy.",
      },
      labels: scalarMap('Container labels. Only these keys are compared (the image may add others).'),
      user: { type: 'string', minLength: 1, description: 'podman --user (USER[:GROUP]); compared only when set.' },
      stopTimeout: {
        type: 'integer',
        minimum: 0,
        description: 'Seconds podman waits after the stop signal before killing (podman --stop-timeout); compared only when set.',
      },
      state: {
        enum: ['started', 'stopped', 'absent', 'restarted'],
        default: 'started',
        description: 'started: exists and runs. stopped: exists, not running. absent: removed. restarted: like started, and always (re)started (for handlers).',
      },
      pull: {
        enum: ['missing', 'always', 'never'],
        default: 'missing',
        description: 'missing: pull when the image is not present. always: pull on every run (not in --check) and recreate when the ID changed. never: fail when missing.',
      },
      registryAuth: registryAuthSchema,
      recreate: { type: 'boolean', description: 'Remove and recreate even when the container matches.' },
      podmanPath: podmanPathSchema,
    },
  },
  secretParams: ['registryAuth'],
  outputs: (p) => [pendingContainerKey(p.name)],
  inputs: (p) => (p.image ? [pendingImageKey(p.image)] : []),
  check,
  change,
});
