import { TaskError } from '../../engine/errors.ts';

/** One published port, normalised: host IP '' means all addresses, host port '' means any (podman picks). */
export interface PortBinding {
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: string;
}

const PROTOCOLS = ['tcp', 'udp', 'sctp'];

function portRange(text: string, spec: string): number[] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start < 1 || end > 65535 || end < start) throw new TaskError(`port "${spec}": "${text}" is not a port or range`);
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

function normaliseIp(ip: string): string {
  return ip === '0.0.0.0' ? '' : ip;
}

/** "8080", "8080:80", "127.0.0.1:443:8443", "[::1]:80:80", "5433:5432/tcp", "8000-8001:80-81/udp". */
export function parsePortSpec(spec: string): PortBinding[] {
  let rest = spec.trim();
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  if (!PROTOCOLS.includes(protocol)) throw new TaskError(`port "${spec}": protocol must be one of ${PROTOCOLS.join(', ')}`);

  let hostIp = '';
  let parts: string[];
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0 || rest[end + 1] !== ':') throw new TaskError(`port "${spec}": expected [IPv6]:HOST:CONTAINER`);
    hostIp = rest.slice(1, end);
    parts = rest.slice(end + 2).split(':');
    if (parts.length !== 2) throw new TaskError(`port "${spec}": expected [IPv6]:HOST:CONTAINER`);
  } else {
    parts = rest.split(':');
    if (parts.length === 3) hostIp = parts.shift()!;
    if (parts.length < 1 || parts.length > 2) throw new TaskError(`port "${spec}": expected [IP:][HOST:]CONTAINER[/PROTOCOL]`);
  }
  const containerPorts = portRange(parts[parts.length - 1]!, spec);
  const hostText = parts.length === 2 ? parts[0]! : '';
  const hostPorts = hostText === '' ? null : portRange(hostText, spec);
  if (hostPorts && hostPorts.length !== containerPorts.length) {
    throw new TaskError(`port "${spec}": host and container ranges differ in length`);
  }
  return containerPorts.map((c, i) => ({
    hostIp: normaliseIp(hostIp),
    hostPort: hostPorts ? String(hostPorts[i]) : '',
    containerPort: String(c),
    protocol,
  }));
}

/** podman inspect's HostConfig.PortBindings ({"80/tcp": [{HostIp, HostPort}]}) as bindings. */
export function inspectedPorts(
  bindings: Record<string, { HostIp: string; HostPort: string }[] | null> | null | undefined,
): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, list] of Object.entries(bindings ?? {})) {
    const [containerPort = '', protocol = 'tcp'] = key.split('/');
    for (const b of list ?? []) {
      out.push({ hostIp: normaliseIp(b.HostIp ?? ''), hostPort: b.HostPort ?? '', containerPort, protocol });
    }
  }
  return out;
}

export function formatPort(b: PortBinding): string {
  const ip = b.hostIp.includes(':') ? `[${b.hostIp}]` : b.hostIp;
  const host = ip ? `${ip}:${b.hostPort}:` : b.hostPort ? `${b.hostPort}:` : '';
  return `${host}${b.containerPort}/${b.protocol}`;
}

function portLabel(b: PortBinding): string {
  return b.protocol === 'tcp' ? b.containerPort : `${b.containerPort}/${b.protocol}`;
}

function sameTarget(a: PortBinding, b: PortBinding): boolean {
  return a.containerPort === b.containerPort && a.protocol === b.protocol;
}

/** Reasons the published ports differ; a wanted binding without a host port matches any host port. */
export function comparePorts(wanted: readonly PortBinding[], actual: readonly PortBinding[]): string[] {
  const unmatched = [...actual];
  const reasons: string[] = [];
  for (const w of wanted) {
    const i = unmatched.findIndex(
      (a) => sameTarget(a, w) && a.hostIp === w.hostIp && (w.hostPort === '' || a.hostPort === w.hostPort),
    );
    if (i >= 0) {
      unmatched.splice(i, 1);
      continue;
    }
    const other = actual.find((a) => sameTarget(a, w));
    reasons.push(
      other
        ? `port ${portLabel(w)} differs (${formatPort(w)} wanted, ${formatPort(other)} found)`
        : `port ${portLabel(w)} missing`,
    );
  }
  const reported = new Set(reasons.map((r) => r.split(' ')[1]));
  for (const a of unmatched) {
    if (reported.has(portLabel(a))) continue;
    reported.add(portLabel(a));
    const alsoWanted = wanted.some((w) => sameTarget(a, w));
    reasons.push(alsoWanted ? `port ${portLabel(a)} differs (${formatPort(a)} not wanted)` : `port ${portLabel(a)} not wanted`);
  }
  return [...new Set(reasons)];
}
