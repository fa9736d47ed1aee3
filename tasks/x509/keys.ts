/** Key types, async key generation (libuv pool, never the event loop) and key inspection. */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { TaskError } from '../../engine/errors.ts';
import type { JsonSchema } from '../../engine/task.ts';
import { ContentMemo } from '../shared/content-memo.ts';

export const KEY_TYPES = ['rsa2048', 'rsa4096', 'ec-p256'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const keyTypeSchema = (defaultType: KeyType): JsonSchema => ({
  type: 'string',
  enum: [...KEY_TYPES],
  default: defaultType,
  description: `Key algorithm and size: rsa2048, rsa4096 or ec-p256 (default ${defaultType}).`,
});

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Key generations in the libuv pool at once: one per core, and never all of its threads. The
 * pool also serves file reads (a reconnect's known_hosts and key files, templates); a run that
 * queued a key per host there would make those wait behind every key. More at once than cores
 * would not make keys any sooner.
 */
export function keyGenerationLanes(cores = availableParallelism(), poolThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, Math.min(cores, poolThreads - 1));
}

const lanes = keyGenerationLanes();
let generating = 0;
const queued: (() => void)[] = [];

async function inLane<T>(work: () => Promise<T>): Promise<T> {
  if (generating >= lanes) await new Promise<void>((resolve) => queued.push(resolve));
  else generating++;
  try {
    return await work();
  } finally {
    const next = queued.shift();
    if (next) next();
    else generating--;
  }
}

/** A new private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"), as openssl genpkey writes it. */
export function generatePrivateKeyPem(type: KeyType): Promise<string> {
  return inLane(() => generatePem(type));
}

async function generatePem(type: KeyType): Promise<string> {
  const pair =
    type === 'ec-p256'
      ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
      : await generateKeyPairAsync('rsa', { modulusLength: type === 'rsa4096' ? 4096 : 2048 });
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The key, or null when the text is not a private key node can read. */
export function parsePrivateKey(pem: string | Buffer): KeyObject | null {
  return parsedKeys.get(pem, () => {
    try {
      return createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      return null;
    }
  });
}

const parsedKeys = new ContentMemo<KeyObject | null>();
const spkiOfKey = new WeakMap<KeyObject, Buffer>();

/** "rsa2048", "ec-p256", or a description of a key type this task does not make (e.g. "rsa3072", "ed25519"). */
export function keyTypeOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `rsa${details.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') return details.namedCurve === 'prime256v1' ? 'ec-p256' : `ec-${details.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/** SubjectPublicKeyInfo DER of a public key, or of a private key's public half. */
export function spkiDer(key: KeyObject): Buffer {
  let der = spkiOfKey.get(key);
  if (!der) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    der = pub.export({ type: 'spki', format: 'der' });
    spkiOfKey.set(key, der);
  }
  return Buffer.from(der);
}

/** Compared by OpenSSL (EVP_PKEY_eq), without encoding either key. */
export function publicKeysEqual(a: KeyObject, b: KeyObject): boolean {
  return publicHalf(a).equals(publicHalf(b));
}

function publicHalf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** SHA-256 of the public key (SPKI DER), hex with colons: identifies a key without revealing it. */
export function publicKeyFingerprint(key: KeyObject): string {
  return colonHex(createHash('sha256').update(spkiDer(key)).digest());
}

export function colonHex(bytes: Buffer): string {
  return (bytes.toString('hex').toUpperCase().match(/../g) ?? []).join(':');
}

export type KeyJudgement = { key: KeyObject; problem: null } | { key: null; problem: string };

/**
 * The key on disk when it can be kept, else why a new one is made (missing, other type).
 * A file that is there but unreadable (encrypted, not a key) is a TaskError: it is never overwritten.
 */
export function judgeExistingKey(path: string, content: Buffer | null, wanted: KeyType): KeyJudgement {
  if (!content || content.toString('utf8').trim() === '') return { key: null, problem: `missing: ${path}` };
  const key = parsePrivateKey(content);
  if (!key) {
    const encrypted = /ENCRYPTED/.test(content.toString('latin1'));
    throw new TaskError(`${path} is ${encrypted ? 'an encrypted key' : 'not a private key this task can read'}; fix or remove it (it is not overwritten)`);
  }
  const type = keyTypeOf(key);
  return type === wanted ? { key, problem: null } : { key: null, problem: `key type differs: ${type} -> ${wanted}` };
}
