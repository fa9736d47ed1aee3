import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import ssh2, { Client, type AnyAuthMethod, type ConnectConfig, type ParsedKey, type ServerHostKeyAlgorithm } from 'ssh2';
import type { ConnectionSpec } from '../../connection.ts';
import { ConnectionError, HostKeyError } from '../../errors.ts';
import { signingOnce } from './client-key.ts';
import { coalesceWrites } from './coalescing-socket.ts';
import {
  appendKnownHost,
  fingerprint,
  keyBlobType,
  keysForHost,
  knownHostsName,
  readKnownHosts,
  verifyHostKey,
  type HostKeyVerdict,
  type KnownHostEntry,
} from './known-hosts.ts';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * SSH keepalive: a ping every 15 s, and a host that leaves 4 in a row unanswered is unreachable
 * (a frozen host or a silently dropped network is noticed within about 75 s, even mid-command).
 */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 4;

/** Host key algorithms ssh2 offers, in its default order (a test holds it to ssh2's own list). */
export const HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function keyTypeOfAlgorithm(alg: string): string {
  return alg.startsWith('rsa-sha2-') ? 'ssh-rsa' : alg;
}

/** Like OpenSSH: ask first for the key types known_hosts already holds for this host, so a known host is not reported unknown. */
function preferKnownAlgorithms(known: readonly KnownHostEntry[]): ServerHostKeyAlgorithm[] {
  const knownTypes = new Set(known.map((e) => keyBlobType(e.key)));
  const first = HOST_KEY_ALGORITHMS.filter((a) => knownTypes.has(keyTypeOfAlgorithm(a)));
  return [...first, ...HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}

/**
 * ssh2's own offer when the order is its default (a host known by an ed25519 key, or not at
 * all): given any algorithm list, ssh2 builds its key-exchange offer anew for the connection,
 * about 0.5 ms of CPU a login, instead of using the one it built at load.
 */
function hostKeyOffer(order: readonly ServerHostKeyAlgorithm[]): Pick<ConnectConfig, 'algorithms'> {
  const isDefault = order.length === HOST_KEY_ALGORITHMS.length && order.every((a, i) => a === HOST_KEY_ALGORITHMS[i]);
  return isDefault ? {} : { algorithms: { serverHostKey: [...order] } };
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Parsed client keys by file, with the bytes they came from: a run with many hosts parses each key file once. */
const parsedKeys = new Map<string, { bytes: Buffer; key: ParsedKey }>();

/**
 * The key ready for ssh2: parsed once per key file (re-parsed if the file changed). A key
 * ssh2 cannot parse alone (encrypted, unknown format) is passed as bytes, so ssh2 decides as before.
 */
function clientKey(file: string, bytes: Buffer): ParsedKey | Buffer {
  const cached = parsedKeys.get(file);
  if (cached?.bytes.equals(bytes)) return cached.key;
  const parsed = ssh2.utils.parseKey(bytes);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.isPrivateKey()) return bytes;
  const key = signingOnce(parsed);
  parsedKeys.set(file, { bytes, key });
  return key;
}

async function authMethods(spec: ConnectionSpec, username: string): Promise<AnyAuthMethod[]> {
  const methods: AnyAuthMethod[] = [];
  if (spec.privateKeyFile) {
    const key = await readIfExists(spec.privateKeyFile);
    if (!key) throw new ConnectionError(spec.hostName, `private key file not found: ${spec.privateKeyFile}`);
    methods.push({ type: 'publickey', username, key: clientKey(spec.privateKeyFile, key) });
  }
  if (process.env.SSH_AUTH_SOCK) methods.push({ type: 'agent', username, agent: process.env.SSH_AUTH_SOCK });
  if (!spec.privateKeyFile) {
    for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
      const file = join(homedir(), '.ssh', name);
      const key = await readIfExists(file);
      if (key) methods.push({ type: 'publickey', username, key: clientKey(file, key) });
    }
  }
  if (spec.password !== undefined) methods.push({ type: 'password', username, password: spec.password });
  if (methods.length === 0) throw new ConnectionError(spec.hostName, 'no SSH credentials: set a private key file, a password, or run an ssh-agent');
  return methods;
}

function hostKeyMessage(
  verdict: Exclude<HostKeyVerdict, { status: 'known' }>,
  k: { host: string; where: string; knownHostsFile: string; fp: string; type: string },
): string {
  const key = `host key for ${k.host} (${k.where})`;
  switch (verdict.status) {
    case 'unknown':
      return `${key} is not in known_hosts (${k.knownHostsFile}); fingerprint ${k.fp}`;
    case 'otherType':
      return `${key} is of type ${k.type}, but ${k.knownHostsFile} knows this host by another key type (${verdict.knownTypes.join(', ')}); refused, not recorded: the host should still offer its known key (a possible downgrade); fingerprint ${k.fp}`;
    case 'changed':
      return `${key} CHANGED: it differs from the one in ${k.knownHostsFile}; possible man-in-the-middle; fingerprint ${k.fp}`;
    case 'revoked':
      return `${key} is REVOKED in ${k.knownHostsFile}; fingerprint ${k.fp}`;
  }
}

/** Opens and authenticates one ssh2 Client; the host key is checked before anything else is sent. */
export async function connectClient(spec: ConnectionSpec): Promise<Client> {
  const address = spec.address ?? spec.hostName;
  const port = spec.port ?? 22;
  const username = spec.user ?? process.env.USER ?? 'root';
  const where = `${address}:${port}`;
  const knownHostsFile = spec.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const checking = spec.hostKeyChecking !== false;
  const name = knownHostsName(address, port);
  const entries = checking ? await readKnownHosts(knownHostsFile) : [];
  const methods = await authMethods(spec, username);

  let hostKeyProblem: HostKeyError | undefined;
  let keyToRecord: Buffer | undefined;
  const hostVerifier = (key: Buffer): boolean => {
    if (!checking) return true;
    const verdict = verifyHostKey(entries, name, key);
    const fp = fingerprint(key);
    if (verdict.status === 'known') return true;
    if (verdict.status === 'unknown' && spec.trustOnFirstUse) {
      keyToRecord = key;
      return true;
    }
    hostKeyProblem = new HostKeyError(spec.hostName, hostKeyMessage(verdict, { host: spec.hostName, where, knownHostsFile, fp, type: keyBlobType(key) }));
    return false;
  };

  const client = new Client();
  // Connected here rather than by ssh2, so that its packets go out coalesced (coalescing-socket.ts).
  const sock = new Socket();
  sock.setMaxListeners(0);
  const config: ConnectConfig = {
    sock,
    host: address,
    port,
    username,
    readyTimeout: spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepaliveInterval: spec.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: spec.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
    hostVerifier,
    authHandler: methods,
    ...hostKeyOffer(preferKnownAlgorithms(keysForHost(entries, name))),
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { level?: string }) => {
      client.removeListener('ready', onReady);
      client.on('error', () => {}); // ssh2 may report the teardown too; the first error is the answer
      client.destroy();
      if (hostKeyProblem) return reject(hostKeyProblem);
      if (err.level === 'client-authentication') {
        return reject(new ConnectionError(spec.hostName, `authentication failed for user ${username} at ${where}`));
      }
      if (err.level === 'client-timeout') {
        return reject(new ConnectionError(spec.hostName, `timed out connecting to ${where}`));
      }
      reject(new ConnectionError(spec.hostName, `cannot connect to ${where}: ${err.message}`));
    };
    const onReady = () => {
      client.removeListener('error', onError);
      resolve();
    };
    client.once('error', onError);
    client.once('ready', onReady);
    // Connecting first: ssh2 starts once the socket says 'connect' (at once if it already had).
    sock.connect({ host: address, port });
    coalesceWrites(sock);
    client.connect(config);
  });
  if (keyToRecord) await appendKnownHost(knownHostsFile, name, keyToRecord);
  return client;
}
