/**
 * What a CA and a server certificate carry, in one place: the JS builder, the openssl
 * configuration and the checks all derive from these lists, so the backends cannot drift apart.
 */
import type { KeyUsageName } from './constants.ts';
import { opensslSans, type San } from './sans.ts';

export const CA_KEY_USAGE: readonly KeyUsageName[] = ['keyCertSign', 'cRLSign'];
/** The document's v3_req keyUsage. */
export const SERVER_KEY_USAGE: readonly KeyUsageName[] = ['digitalSignature', 'nonRepudiation', 'keyEncipherment'];

/** openssl configuration with sections ca_ext, csr_ext and server_ext mirroring the lists above. */
export function opensslConfig(opts: { pathLen?: number; sans?: readonly San[] }): string {
  const ku = (list: readonly KeyUsageName[]) => list.join(', ');
  const lines = [
    '[req]',
    'distinguished_name = dn',
    'utf8 = yes',
    '[dn]',
    '[ca_ext]',
    `basicConstraints = critical, CA:TRUE${opts.pathLen !== undefined ? `, pathlen:${opts.pathLen}` : ''}`,
    `keyUsage = critical, ${ku(CA_KEY_USAGE)}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
  ];
  if (opts.sans) {
    const request = [
      'basicConstraints = CA:FALSE',
      `keyUsage = ${ku(SERVER_KEY_USAGE)}`,
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${opensslSans(opts.sans)}`,
    ];
    lines.push('[csr_ext]', ...request);
    lines.push('[server_ext]', ...request, 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always');
  }
  return `${lines.join('\n')}\n`;
}
