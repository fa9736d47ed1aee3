import { createHash, randomInt } from 'node:crypto';
import { TemplateError } from './expression.ts';

/**
 * SHA-crypt (`$5$` sha256, `$6$` sha512) as glibc's crypt(3) and `openssl passwd -5/-6` compute
 * it, so `password_hash` writes the hashes /etc/shadow expects. Rounds are the default 5000.
 */
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const VARIANTS = {
  sha512: {
    id: '6', algorithm: 'sha512', size: 64,
    groups: [[0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48], [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10],
      [53, 11, 32], [12, 33, 54], [34, 55, 13], [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41]],
    tail: [[-1, -1, 63, 2]],
  },
  sha256: {
    id: '5', algorithm: 'sha256', size: 32,
    groups: [[0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14], [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29]],
    tail: [[-1, 31, 30, 3]],
  },
} as const;

export type CryptScheme = keyof typeof VARIANTS;

export function isCryptScheme(s: string): s is CryptScheme {
  return Object.hasOwn(VARIANTS, s);
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = block[i % block.length]!;
  return out;
}

function encode64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

export function randomSalt(): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += ITOA64[randomInt(ITOA64.length)];
  return s;
}

export function shaCrypt(password: string, scheme: CryptScheme, saltText: string): string {
  const v = VARIANTS[scheme];
  if (!/^[./0-9A-Za-z]*$/.test(saltText)) throw new TemplateError(`password_hash: a salt may only use the characters ./0-9A-Za-z`);
  const P = Buffer.from(password, 'utf8');
  const S = Buffer.from(saltText.slice(0, 16), 'utf8');
  const hash = (...parts: Buffer[]): Buffer => {
    const h = createHash(v.algorithm);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const B = hash(P, S, P);
  const a = createHash(v.algorithm).update(P).update(S);
  let i = P.length;
  for (; i > v.size; i -= v.size) a.update(B);
  a.update(B.subarray(0, i));
  for (i = P.length; i > 0; i >>= 1) a.update(i & 1 ? B : P);
  let A = a.digest();
  const Pp = repeatTo(hash(...Array.from({ length: P.length }, () => P)), P.length);
  const Sp = repeatTo(hash(...Array.from({ length: 16 + A[0]! }, () => S)), S.length);
  for (let r = 0; r < 5000; r++) {
    const c = createHash(v.algorithm);
    c.update(r & 1 ? Pp : A);
    if (r % 3) c.update(Sp);
    if (r % 7) c.update(Pp);
    c.update(r & 1 ? A : Pp);
    A = c.digest();
  }
  let out = '';
  for (const [x, y, z] of v.groups) out += encode64(A[x]!, A[y]!, A[z]!, 4);
  for (const [x, y, z, n] of v.tail) out += encode64(x < 0 ? 0 : A[x]!, y < 0 ? 0 : A[y]!, A[z]!, n);
  return `$${v.id}$${S.toString('utf8')}$${out}`;
}
