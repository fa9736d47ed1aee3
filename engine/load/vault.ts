import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { TackleError } from '../errors.ts';

/**
 * Ansible Vault 1.1 (AES256): PBKDF2-SHA256 (10000 rounds) derives an AES-256-CTR key,
 * an HMAC-SHA256 key and the counter IV from the password and a 32-byte salt. The
 * plaintext is PKCS#7-padded before encryption; the body is hex(hex(salt)\nhex(hmac)\nhex(ct)).
 */
export const VAULT_HEADER = '$ANSIBLE_VAULT;1.1;AES256';

export class VaultError extends TackleError {
  override name = 'VaultError';
}

export function isVaultText(text: string): boolean {
  return text.trimStart().startsWith('$ANSIBLE_VAULT;');
}

function deriveKeys(password: string, salt: Buffer): { cipherKey: Buffer; hmacKey: Buffer; iv: Buffer } {
  const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 10000, 80, 'sha256');
  return { cipherKey: derived.subarray(0, 32), hmacKey: derived.subarray(32, 64), iv: derived.subarray(64, 80) };
}

/** Format 1.1, or 1.2 with the vault id `label` in the header (as `ansible-vault --vault-id LABEL@...` writes). */
export function vaultEncrypt(plaintext: string, password: string, label?: string): string {
  const salt = randomBytes(32);
  const { cipherKey, hmacKey, iv } = deriveKeys(password, salt);
  const data = Buffer.from(plaintext, 'utf8');
  const padLen = 16 - (data.length % 16);
  const padded = Buffer.concat([data, Buffer.alloc(padLen, padLen)]);
  const cipher = createCipheriv('aes-256-ctr', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
  const hmac = createHmac('sha256', hmacKey).update(ciphertext).digest();
  const inner = [salt.toString('hex'), hmac.toString('hex'), ciphertext.toString('hex')].join('\n');
  const body = Buffer.from(inner, 'utf8').toString('hex');
  const header = label === undefined ? VAULT_HEADER : `$ANSIBLE_VAULT;1.2;AES256;${label}`;
  return `${header}\n${body.match(/.{1,80}/g)!.join('\n')}\n`;
}

export function vaultDecrypt(text: string, password: string, where = 'vault'): string {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]!.trim().split(';');
  if (header[0] !== '$ANSIBLE_VAULT' || !['1.1', '1.2'].includes(header[1] ?? '') || header[2] !== 'AES256') {
    throw new VaultError(`${where}: unsupported vault header '${lines[0]}' (expected ${VAULT_HEADER})`);
  }
  const body = lines.slice(1).join('').trim();
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(body)) throw new VaultError(`${where}: vault body is not hex`);
  const parts = Buffer.from(body, 'hex').toString('utf8').split('\n');
  if (parts.length !== 3 || parts.some((p) => !/^(?:[0-9a-fA-F]{2})+$/.test(p))) throw new VaultError(`${where}: malformed vault body`);
  const [salt, hmac, ciphertext] = parts.map((p) => Buffer.from(p, 'hex')) as [Buffer, Buffer, Buffer];
  const { cipherKey, hmacKey, iv } = deriveKeys(password, salt);
  const expected = createHmac('sha256', hmacKey).update(ciphertext).digest();
  if (expected.length !== hmac.length || !timingSafeEqual(expected, hmac)) {
    throw new VaultError(`${where}: wrong vault password (HMAC mismatch)`);
  }
  const decipher = createDecipheriv('aes-256-ctr', cipherKey, iv);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const padLen = padded[padded.length - 1] ?? 0;
  if (padLen < 1 || padLen > 16) throw new VaultError(`${where}: bad padding after decryption`);
  return padded.subarray(0, padded.length - padLen).toString('utf8');
}

/** One vault password and the vault id it was given under (`default` without one). */
export interface VaultSecret {
  label: string;
  password: string;
}

/**
 * Decrypts with the secret whose label the header names (format 1.2 carries one), then with the
 * others in the order given, as Ansible tries its vault ids.
 */
export function vaultDecryptWithAny(text: string, secrets: readonly VaultSecret[], where = 'vault'): string {
  const label = text.trimStart().split(/\r?\n/, 1)[0]!.trim().split(';')[3];
  const ordered = [...secrets.filter((s) => s.label === label), ...secrets.filter((s) => s.label !== label)];
  let wrong: VaultError | undefined;
  for (const secret of ordered) {
    try {
      return vaultDecrypt(text, secret.password, where);
    } catch (error) {
      if (!(error instanceof VaultError) || !/wrong vault password/.test(error.message)) throw error;
      wrong = error;
    }
  }
  if (ordered.length > 1) throw new VaultError(`${where}: none of the ${ordered.length} vault passwords (${secrets.map((s) => s.label).join(', ')}) opens it`);
  throw wrong ?? new VaultError(`${where}: no vault password given`);
}
