/** HS256 JSON Web Tokens, the way Quay signs its calls to Clair with the shared PSK. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface JwtClaims {
  iss?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJwt(claims: JwtClaims, key: Buffer): string {
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/** The claims when the token is signed with key, unexpired and from an allowed issuer; else why not. */
export function verifyJwt(token: string, key: Buffer, issuers: readonly string[], nowSeconds = Date.now() / 1000): { claims: JwtClaims } | { error: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { error: 'malformed token' };
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return { error: 'malformed token' };
  }
  if (header.alg !== 'HS256') return { error: `unsupported signing algorithm ${String(header.alg)}` };
  const expected = createHmac('sha256', key).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { error: 'signature is invalid' };
  if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) return { error: `issuer ${JSON.stringify(claims.iss)} is not allowed` };
  if (typeof claims.exp === 'number' && claims.exp < nowSeconds - 60) return { error: 'token is expired' };
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds + 60) return { error: 'token is not valid yet' };
  return { claims };
}
