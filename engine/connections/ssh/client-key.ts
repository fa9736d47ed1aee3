import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { ParsedKey } from 'ssh2';

/** The hash ssh2 signs with when the login names none, by key type (ssh2 keeps its own table private). */
const DEFAULT_HASH: Partial<Record<ParsedKey['type'], string | null>> = {
  'ssh-ed25519': null,
  'ssh-rsa': 'sha1',
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
};

/**
 * The same key, signing with a KeyObject parsed once. ssh2 hands node the key's PEM text at
 * every login, and node parses it anew each time: about 0.5 ms of CPU a login against 0.03 ms,
 * which adds up when a run logs in to thousands of hosts, or reconnects them at every task.
 * Everything but `sign` is the parsed key's own (the wrapper inherits from it).
 */
export function signingOnce(key: ParsedKey): ParsedKey {
  const defaultHash = DEFAULT_HASH[key.type];
  if (defaultHash === undefined || !key.isPrivateKey()) return key;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(key.getPrivatePEM());
  } catch {
    return key;
  }
  // ssh2's contract: a failed signature is returned as an Error, not thrown.
  const signWithKeyObject = (data: Buffer | string, algo?: string): Buffer | Error => {
    try {
      return sign(typeof algo === 'string' && algo !== '' ? algo : defaultHash, Buffer.from(data), keyObject);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  const wrapped = Object.create(key) as ParsedKey;
  wrapped.sign = signWithKeyObject as ParsedKey['sign'];
  return wrapped;
}
