import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { globToRegExp } from '../../glob.ts';

/** One key line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  /** Comma list of patterns, or a single hashed `|1|salt|hash` name. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'known' }
  | { status: 'unknown' }
  /** No entry holds this key's type, but entries of other types exist: trusting it would be a silent downgrade. */
  | { status: 'otherType'; knownTypes: string[] }
  | { status: 'changed' }
  | { status: 'revoked' };

/** How known_hosts names a host: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** SHA256:base64 (unpadded), as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of an SSH public key blob (uint32 length + string). */
export function keyBlobType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) continue;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0) continue;
    entries.push({ marker, hosts, keyType, key });
  }
  return entries;
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const [, kind, saltB64, hashB64] = hashed.split('|');
  if (kind !== '1' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = createHmac('sha1', Buffer.from(saltB64, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const compiledPatterns = new Map<string, RegExp>();

/**
 * A known_hosts pattern (`*` and `?` wildcards) matches the name, ignoring case. Most patterns
 * are plain names and compare as strings; every connection checks every line of the file, so at
 * a thousand hosts compiling each pattern anew cost seconds of the controller's time.
 */
function patternMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  let re = compiledPatterns.get(pattern);
  if (!re) {
    re = globToRegExp(pattern, { ignoreCase: true });
    compiledPatterns.set(pattern, re);
  }
  return re.test(name);
}

/** True when the entry's host field names `name` (already in `[host]:port` form when needed). */
export function entryMatchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedNameMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

interface HostIndex {
  /** Key entries whose host field is only plain names, by lower-cased name, as file positions. */
  byName: Map<string, number[]>;
  /** Positions of key entries with wildcards, negations or hashed names: matched one by one. */
  patterned: number[];
}

const indexes = new WeakMap<readonly KnownHostEntry[], HostIndex>();

function indexOf(entries: readonly KnownHostEntry[]): HostIndex {
  let index = indexes.get(entries);
  if (index) return index;
  index = { byName: new Map(), patterned: [] };
  entries.forEach((e, i) => {
    if (e.marker !== undefined) return;
    if (e.hosts.startsWith('|') || /[*?!]/.test(e.hosts)) {
      index.patterned.push(i);
      return;
    }
    for (const name of new Set(e.hosts.toLowerCase().split(','))) {
      const at = index.byName.get(name);
      if (at) at.push(i);
      else index.byName.set(name, [i]);
    }
  });
  indexes.set(entries, index);
  return index;
}

/**
 * The key entries (no markers) recorded for a host name, in file order. Every connection asks
 * this of the whole file: at a thousand hosts a scan per connection cost most of a second of the
 * controller's time per task, so plain names are looked up in an index built once per file.
 */
export function keysForHost(entries: readonly KnownHostEntry[], name: string): KnownHostEntry[] {
  const index = indexOf(entries);
  const positions = [...(index.byName.get(name.toLowerCase()) ?? []), ...index.patterned.filter((i) => entryMatchesHost(entries[i]!.hosts, name))];
  return positions.sort((a, b) => a - b).map((i) => entries[i]!);
}

/**
 * Known when some entry for the name holds exactly this key; changed when entries of the same key
 * type exist but none matches; otherType when the host is known only by keys of other types;
 * unknown when nothing is recorded for the name.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], name: string, keyBlob: Buffer): HostKeyVerdict {
  const revoked = entries.some((e) => e.marker === '@revoked' && e.key.equals(keyBlob));
  if (revoked) return { status: 'revoked' };
  const candidates = keysForHost(entries, name);
  if (candidates.some((e) => e.key.equals(keyBlob))) return { status: 'known' };
  const type = keyBlobType(keyBlob);
  if (candidates.some((e) => keyBlobType(e.key) === type)) return { status: 'changed' };
  if (candidates.length > 0) return { status: 'otherType', knownTypes: [...new Set(candidates.map((e) => keyBlobType(e.key)))].sort() };
  return { status: 'unknown' };
}

async function readAndParse(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await fs.readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** What identifies one version of a file without opening it. */
async function fileVersion(file: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
}

const parsedFiles = new Map<string, { version: string; entries: Promise<readonly KnownHostEntry[]> }>();

/**
 * The entries of a known_hosts file, read once per version of the file and shared by every
 * connection of the run. Hosts connecting together used to read it each: at many forks that held
 * a descriptor per host beside its socket, more than the open-file reserve left room for, and at
 * a thousand hosts it parsed the file a thousand times. A file changed by anyone (stat differs)
 * is read again.
 */
export async function readKnownHosts(file: string): Promise<readonly KnownHostEntry[]> {
  const version = await fileVersion(file);
  const cached = parsedFiles.get(file);
  if (cached && cached.version === version) return cached.entries;
  const entries = readAndParse(file);
  parsedFiles.set(file, { version, entries });
  entries.catch(() => {
    if (parsedFiles.get(file)?.entries === entries) parsedFiles.delete(file);
  });
  return entries;
}

const appendQueues = new Map<string, Promise<void>>();

/**
 * Appends `name type base64` (trust on first use); creates the file 0600 and its directory 0700.
 * Appends to one file are serialised, so that hosts trusted together each get a whole line.
 */
export function appendKnownHost(file: string, name: string, keyBlob: Buffer): Promise<void> {
  const next = (appendQueues.get(file) ?? Promise.resolve()).then(() => appendLine(file, name, keyBlob));
  // The queue goes on after a failed append; the caller gets the failure.
  appendQueues.set(file, next.catch(() => {}));
  return next;
}

async function appendLine(file: string, name: string, keyBlob: Buffer): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const current = await fs.readFile(file, 'utf8');
    if (current.length > 0 && !current.endsWith('\n')) prefix = '\n';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.appendFile(file, `${prefix}${name} ${keyBlobType(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
  parsedFiles.delete(file);
}
