import { posix } from 'node:path';
import { TaskError } from '../../engine/errors.ts';
import type { ContainerInfo } from './cli.ts';

/** One -v mount, normalised. `options` excludes rw/ro (that is `readOnly`) and is sorted. */
export interface MountSpec {
  kind: 'bind' | 'volume';
  /** Absolute host path (bind) or volume name. */
  source: string;
  destination: string;
  readOnly: boolean;
  options: string[];
}

function normalisePath(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 ? n.replace(/\/$/, '') : n;
}

function splitOptions(text: string | undefined): { readOnly: boolean; options: string[] } {
  const all = (text ?? '').split(',').filter(Boolean);
  return { readOnly: all.includes('ro'), options: all.filter((o) => o !== 'ro' && o !== 'rw').sort() };
}

/** "HOST_PATH:CTR[:OPTS]" or "VOLUME:CTR[:OPTS]"; OPTS like "Z", "ro", "ro,z". */
export function parseVolumeSpec(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw new TaskError(`volume "${spec}": expected HOST_PATH:CONTAINER_PATH[:OPTIONS] or VOLUME:CONTAINER_PATH[:OPTIONS]`);
  }
  const [source, destination, opts] = parts as [string, string, string | undefined];
  if (!destination.startsWith('/')) throw new TaskError(`volume "${spec}": the container path must be absolute`);
  const isPath = source.startsWith('/');
  if (!isPath && (source.startsWith('.') || source.includes('/'))) {
    throw new TaskError(`volume "${spec}": a host path must be absolute (the target resolves relative paths unpredictably)`);
  }
  return {
    kind: isPath ? 'bind' : 'volume',
    source: isPath ? normalisePath(source) : source,
    destination: normalisePath(destination),
    ...splitOptions(opts),
  };
}

const ANONYMOUS_VOLUME = /^[0-9a-f]{64}$/;

/** A mount podman reports; options null when the container was not created with -v (unknown). */
export type InspectedMount = Omit<MountSpec, 'options'> & { options: string[] | null };

/** Mounts podman reports, minus anonymous volumes (an image's VOLUMEs that no -v covers). */
export function inspectedMounts(info: ContainerInfo): InspectedMount[] {
  const created = createdVolumeOptions(info.Config.CreateCommand ?? []);
  return (info.Mounts ?? [])
    .filter((m) => !(m.Type === 'volume' && ANONYMOUS_VOLUME.test(m.Name ?? '')))
    .map((m) => {
      const destination = normalisePath(m.Destination);
      return {
        kind: m.Type === 'volume' ? ('volume' as const) : ('bind' as const),
        source: m.Type === 'volume' ? (m.Name ?? m.Source) : normalisePath(m.Source),
        destination,
        readOnly: !m.RW,
        options: created.get(destination) ?? null,
      };
    });
}

/**
 * Options such as Z (SELinux relabel) leave no trace in podman inspect on a host without
 * SELinux, so they are read from the command the container was created with.
 */
function createdVolumeOptions(createCommand: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < createCommand.length; i++) {
    const arg = createCommand[i]!;
    let value: string | undefined;
    if (arg === '-v' || arg === '--volume') value = createCommand[++i];
    else if (arg.startsWith('--volume=') || arg.startsWith('-v=')) value = arg.slice(arg.indexOf('=') + 1);
    if (value === undefined) continue;
    try {
      const m = parseVolumeSpec(value);
      out.set(m.destination, m.options);
    } catch {
      // not a volume spec (an argument of the container's own command): ignore
    }
  }
  return out;
}

export function formatMount(m: MountSpec | InspectedMount): string {
  const opts = [...(m.readOnly ? ['ro'] : []), ...(m.options ?? ['?'])];
  return `${m.source}:${m.destination}${opts.length ? `:${opts.join(',')}` : ''}`;
}

export function compareMounts(wanted: readonly MountSpec[], actual: readonly InspectedMount[]): string[] {
  const reasons: string[] = [];
  for (const w of wanted) {
    const a = actual.find((m) => m.destination === w.destination);
    if (!a) reasons.push(`volume ${w.destination} missing`);
    else if (a.kind !== w.kind || a.source !== w.source) reasons.push(`volume ${w.destination} source differs`);
    else if (a.readOnly !== w.readOnly) reasons.push(`volume ${w.destination} ${w.readOnly ? 'should be read-only' : 'should be writable'}`);
    else if (a.options !== null && a.options.join(',') !== w.options.join(',')) {
      reasons.push(`volume ${w.destination} options differ (${w.options.join(',') || 'none'} wanted, ${a.options.join(',') || 'none'} found)`);
    }
  }
  for (const a of actual) {
    if (!wanted.some((w) => w.destination === a.destination)) reasons.push(`volume ${a.destination} not wanted`);
  }
  return reasons;
}
