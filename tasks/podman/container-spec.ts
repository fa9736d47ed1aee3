import { TaskError } from '../../engine/errors.ts';
import type { ContainerInfo, ImageInfo } from './cli.ts';
import { compareMounts, formatMount, inspectedMounts, type MountSpec } from './mounts.ts';
import { comparePorts, formatPort, inspectedPorts, type PortBinding } from './ports.ts';

/** What a container should look like, normalised so it compares with podman inspect. */
export interface DesiredContainer {
  name: string;
  image: string;
  /** Null when the image is not present yet (check mode, before a pull). */
  imageId: string | null;
  /** Null: the spec does not set it, so the image's decides (and is compared when known). */
  entrypoint: string[] | null;
  command: string[] | null;
  env: Record<string, string>;
  ports: PortBinding[];
  mounts: MountSpec[];
  network?: string;
  restart: string;
  labels: Record<string, string>;
  user?: string;
  stopTimeout?: number;
}

function envMap(list: readonly string[] | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of list ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/** Podman 4 reports the entrypoint space-joined, podman 5 as a list. */
function entrypointText(value: string | readonly string[] | null | undefined): string {
  return Array.isArray(value) ? value.join(' ') : ((value as string | null | undefined) ?? '');
}

/** Setting an entrypoint drops the image's CMD, as podman does. */
function effectiveArgs(d: DesiredContainer, image: ImageInfo | null): { entrypoint: string[] | null; command: string[] | null } {
  const entrypoint = d.entrypoint ?? image?.Config?.Entrypoint ?? (image ? [] : null);
  const command = d.command ?? (d.entrypoint !== null ? [] : (image?.Config?.Cmd ?? (image ? [] : null)));
  return { entrypoint, command };
}

export function networkOf(info: ContainerInfo): string {
  const mode = info.HostConfig.NetworkMode ?? '';
  if (mode !== 'bridge') return mode;
  return Object.keys(info.NetworkSettings?.Networks ?? {}).sort().join(',') || mode;
}

function networkMatches(wanted: string, info: ContainerInfo): boolean {
  if (wanted === 'bridge') return info.HostConfig.NetworkMode === 'bridge';
  return wanted.split(',').sort().join(',') === networkOf(info);
}

export function restartOf(info: ContainerInfo): string {
  return info.HostConfig.RestartPolicy?.Name || 'no';
}

/** Every way the container differs from the spec, one short reason each; empty when it matches. */
export function compareContainer(d: DesiredContainer, info: ContainerInfo, image: ImageInfo | null): string[] {
  const reasons: string[] = [];
  if (d.imageId === null) reasons.push(`image ${d.image} not present: would pull`);
  else if (info.Image !== d.imageId) reasons.push('image changed');

  const { entrypoint, command } = effectiveArgs(d, image);
  if (entrypoint !== null && entrypoint.join(' ') !== entrypointText(info.Config.Entrypoint)) reasons.push('entrypoint differs');
  if (command !== null && JSON.stringify(command) !== JSON.stringify(info.Config.Cmd ?? [])) reasons.push('command differs');

  const env = envMap(info.Config.Env);
  for (const [key, value] of Object.entries(d.env)) {
    if (!env.has(key)) reasons.push(`env ${key} missing`);
    else if (env.get(key) !== value) reasons.push(`env ${key} differs`);
  }
  reasons.push(...comparePorts(d.ports, inspectedPorts(info.HostConfig.PortBindings)));
  reasons.push(...compareMounts(d.mounts, inspectedMounts(info)));
  if (d.network !== undefined && !networkMatches(d.network, info)) reasons.push(`network differs (${d.network} wanted, ${networkOf(info)} found)`);
  if (d.restart !== restartOf(info)) reasons.push(`restart policy differs (${d.restart} wanted, ${restartOf(info)} found)`);
  const labels = info.Config.Labels ?? {};
  for (const [key, value] of Object.entries(d.labels)) {
    if (!(key in labels)) reasons.push(`label ${key} missing`);
    else if (labels[key] !== value) reasons.push(`label ${key} differs`);
  }
  if (d.user !== undefined && d.user !== (info.Config.User ?? '')) reasons.push('user differs');
  if (d.stopTimeout !== undefined && d.stopTimeout !== info.Config.StopTimeout) reasons.push('stop timeout differs');
  return reasons;
}

/**
 * Env values are never shown, whatever their names: the container's may hold a password the
 * playbook does not know. A value that differs is marked on both sides, so the diff names the key.
 */
function showEnv(value: string | undefined, other: string | undefined, tag: string): string {
  if (value === undefined) return '(unset)';
  return value === other ? '********' : `******** (${tag})`;
}

/** The spec as --diff shows it: one line per setting, env values hidden. */
export function renderDesired(d: DesiredContainer, info: ContainerInfo | null, image: ImageInfo | null, state: string): string {
  const actual = info ? envMap(info.Config.Env) : new Map<string, string>();
  const { entrypoint, command } = effectiveArgs(d, image);
  return [
    `image: ${d.image}${d.imageId ? ` (${shortId(d.imageId)})` : ''}`,
    ...(entrypoint ? [`entrypoint: ${JSON.stringify(entrypoint)}`] : []),
    ...(command ? [`command: ${JSON.stringify(command)}`] : []),
    ...Object.entries(d.env).map(([k, v]) => `env: ${k}=${showEnv(v, actual.get(k), 'new value')}`),
    ...d.ports.map((p) => `port: ${formatPort(p)}`).sort(),
    ...d.mounts.map((m) => `volume: ${formatMount(m)}`).sort(),
    ...(d.network !== undefined ? [`network: ${d.network}`] : []),
    `restart: ${d.restart}`,
    ...Object.entries(d.labels).map(([k, v]) => `label: ${k}=${v}`),
    ...(d.user !== undefined ? [`user: ${d.user}`] : []),
    ...(d.stopTimeout !== undefined ? [`stopTimeout: ${d.stopTimeout}`] : []),
    `state: ${state}`,
    '',
  ].join('\n');
}

/** The container as --diff shows it, limited to what the spec talks about (env keys, labels). */
export function renderActual(d: DesiredContainer, info: ContainerInfo | null): string {
  if (!info) return 'state: absent\n';
  const env = envMap(info.Config.Env);
  const labels = info.Config.Labels ?? {};
  return [
    `image: ${info.ImageName ?? '?'} (${shortId(info.Image)})`,
    `entrypoint: ${JSON.stringify(entrypointText(info.Config.Entrypoint).split(' ').filter(Boolean))}`,
    `command: ${JSON.stringify(info.Config.Cmd ?? [])}`,
    ...Object.keys(d.env).map((k) => `env: ${k}=${showEnv(env.get(k), d.env[k], 'old value')}`),
    ...inspectedPorts(info.HostConfig.PortBindings).map((p) => `port: ${formatPort(p)}`).sort(),
    ...inspectedMounts(info).map((m) => `volume: ${formatMount(m)}`).sort(),
    ...(d.network !== undefined ? [`network: ${networkOf(info)}`] : []),
    `restart: ${restartOf(info)}`,
    ...Object.keys(d.labels).map((k) => `label: ${k}=${labels[k] ?? '(unset)'}`),
    ...(d.user !== undefined ? [`user: ${info.Config.User ?? ''}`] : []),
    ...(d.stopTimeout !== undefined ? [`stopTimeout: ${info.Config.StopTimeout ?? '?'}`] : []),
    `state: ${info.State.Running ? 'running' : 'stopped'}`,
    '',
  ].join('\n');
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * `podman run -d` / `podman create` arguments for the spec. Env values go through an
 * env file (envFile) so they stay off process listings and out of the recorded create command
 * (a value with a line break, which an env file cannot hold, is refused before this).
 */
export function createArgs(
  d: DesiredContainer,
  mode: 'run' | 'create',
  raw: { ports: readonly string[]; volumes: readonly string[]; entrypoint: string[] | null; command: string[] | null },
  envFile: string | null,
): string[] {
  const args = mode === 'run' ? ['run', '-d'] : ['create'];
  args.push('--name', d.name);
  if (raw.entrypoint !== null) args.push('--entrypoint', JSON.stringify(raw.entrypoint));
  if (envFile) args.push('--env-file', envFile);
  for (const p of raw.ports) args.push('-p', p);
  for (const v of raw.volumes) args.push('-v', v);
  if (d.network !== undefined) args.push('--network', d.network);
  if (d.restart !== 'no') args.push('--restart', d.restart);
  for (const [k, v] of Object.entries(d.labels)) args.push('--label', `${k}=${v}`);
  if (d.user !== undefined) args.push('--user', d.user);
  if (d.stopTimeout !== undefined) args.push('--stop-timeout', String(d.stopTimeout));
  args.push(d.image, ...(raw.command ?? []));
  return args;
}

/**
 * Env values go to podman through an env file, which holds one line per variable. A value with
 * a line break cannot, and the command line would show it to every user (ps) and keep it in
 * `podman inspect` (CreateCommand): refused.
 */
export function envValues(env: Record<string, string | number | boolean> | undefined): Record<string, string> {
  const values = Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
  for (const [key, value] of Object.entries(values)) {
    if (/[\r\n\0]/.test(value)) {
      throw new TaskError(
        `env ${key}: the value holds a line break or NUL, which an env file cannot carry; it would have to go on the command line, where every user sees it (mount the value as a file instead)`,
      );
    }
  }
  return values;
}

/** The env-file body for the values an env file can hold (podman reads each line literally). */
export function envFileBody(env: Record<string, string>): string | null {
  const lines = Object.entries(env).map(([k, v]) => `${k}=${v}\n`);
  return lines.length ? lines.join('') : null;
}
