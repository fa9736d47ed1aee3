/**
 * The host ports the lab publishes sshd on, and whether one really leads to its host.
 *
 * Rootful podman (CNI) forwards a published port with a NAT rule and binds nothing on the
 * controller, so a port that looks free may already be forwarded to another container, or
 * hold a rule left by a container that was never torn down. The lab picks a port no container
 * and no NAT rule uses, and after boot checks from the controller that the port answers with
 * the host's own SSH keys.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { podman, run, sleep } from '../sh.ts';

const PORT_PICKS = 50;
const ANSWER_WAIT_MS = 10_000;

/** Ports any container (running or not) publishes, and ports a NAT rule matches. */
async function portsInUse(): Promise<Set<number>> {
  const used = new Set<number>();
  const published = await podman('ps', '-a', '--format', '{{.Ports}}');
  for (const m of published.matchAll(/:(\d+)->/g)) used.add(Number(m[1]));
  for (const m of (await natRules()).matchAll(/--dport (\d+)\b/g)) used.add(Number(m[1]));
  return used;
}

async function natRules(): Promise<string> {
  try {
    const r = await run('iptables', ['-t', 'nat', '-S']);
    return r.code === 0 ? r.stdout : '';
  } catch {
    return '';
  }
}

/**
 * Where a port picked now is still free when podman binds it, seconds later: below the range the
 * kernel takes outgoing connections' local ports from (ip_local_port_range), where any SSH
 * connection made meanwhile could take it. [0, 0] when that range leaves too little below it.
 */
function pickRange(): [number, number] {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (start !== undefined && start > LOWEST_PICK + 2000) return [LOWEST_PICK, start];
  } catch {
    // not Linux: the kernel's own pick
  }
  return [0, 0];
}

const LOWEST_PICK = 10_000;
/** Ports tried below the range before the kernel's own pick is taken. */
const RANGE_TRIES = 200;
const range = pickRange();
/** Each process walks the range from a random start of its own, so concurrent test processes rarely meet. */
let nextPick = range[1] > 0 ? range[0] + randomInt(range[1] - range[0]) : 0;

/** Whether a listener can bind the port on every address now (podman publishes on 0.0.0.0). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel picks (it binds and closes it). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port from the kernel'))));
    });
  });
}

/** A port nothing listens on now, outside the kernel's range for outgoing connections where it has one. */
export async function freeLoopbackPort(): Promise<number> {
  const [low, high] = range;
  for (let i = 0; high > 0 && i < RANGE_TRIES; i++) {
    const port = nextPick;
    nextPick = port + 1 >= high ? low : port + 1;
    if (await canListen(port)) return port;
  }
  return kernelPort();
}

let picking: Promise<unknown> = Promise.resolve();

/**
 * A loopback port nothing listens on, no container publishes and no NAT rule matches. Picks
 * are serialised, so hosts created at once get different ports; `claim` runs while the pick
 * still holds the turn (the podman run that publishes the port).
 */
export function withFreeSshPort<T>(claim: (port: number) => Promise<T>): Promise<T> {
  const turn = picking.then(async () => {
    const used = await portsInUse();
    for (let i = 0; i < PORT_PICKS; i++) {
      const port = await freeLoopbackPort();
      if (!used.has(port)) return claim(port);
    }
    throw new Error(`no free loopback port for a lab host's sshd in ${PORT_PICKS} picks (${used.size} ports in use by containers and NAT rules)`);
  });
  picking = turn.catch(() => undefined);
  return turn;
}

/** The keys 127.0.0.1:port presents, as "type base64" (none if nothing answers). */
async function keysAt(port: number): Promise<string[]> {
  const r = await run('ssh-keyscan', ['-T', '3', '-p', String(port), '127.0.0.1']);
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' ').slice(1, 3).join(' '));
}

/**
 * Undefined when the port answers with one of the host's keys; otherwise what it did instead,
 * with the NAT rules that match the port.
 */
export async function sshAnswerProblem(port: number, hostKeys: readonly string[]): Promise<string | undefined> {
  const deadline = Date.now() + ANSWER_WAIT_MS;
  let seen: string[] = [];
  for (;;) {
    seen = await keysAt(port);
    if (seen.some((k) => hostKeys.includes(k))) return undefined;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  const rules = (await natRules()).split('\n').filter((l) => new RegExp(`--dport ${port}\\b`).test(l));
  const answer = seen.length ? `answers with another machine's keys (${seen.join(', ')})` : 'does not answer SSH';
  return `127.0.0.1:${port} ${answer}; NAT rules for the port: ${rules.length ? rules.join(' | ') : 'none'}`;
}
