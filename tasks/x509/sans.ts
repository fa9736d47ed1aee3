/** subjectAltName entries: parameter forms, canonical text ("DNS:name", "IP:addr") and set comparison. */
import { isIPv4, isIPv6 } from 'node:net';
import { TaskError } from '../../engine/errors.ts';
import type { JsonSchema } from '../../engine/task.ts';

/** As written in a playbook: "DNS:quay.example.com", "IP:192.168.1.112", {dns: ...} or {ip: ...}. */
export type SanParam = string | { dns: string } | { ip: string };

const DNS_NAME = '(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*';
const IP_ADDRESS = '[0-9A-Fa-f:.]*[0-9A-Fa-f]';

export const sansSchema: JsonSchema = {
  type: 'array',
  description:
    'subjectAltName entries: "DNS:name" / "IP:address" strings, or {dns: name} / {ip: address} objects. Compared as a set; IPs are normalised.',
  items: {
    oneOf: [
      { type: 'string', pattern: `^(DNS:${DNS_NAME}|IP:${IP_ADDRESS})$`, description: '"DNS:name" or "IP:address".' },
      {
        type: 'object',
        additionalProperties: false,
        required: ['dns'],
        properties: { dns: { type: 'string', pattern: `^${DNS_NAME}$`, description: 'A DNS name.' } },
      },
      {
        type: 'object',
        additionalProperties: false,
        required: ['ip'],
        properties: { ip: { type: 'string', pattern: `^${IP_ADDRESS}$`, description: 'An IPv4 or IPv6 address.' } },
      },
    ],
  },
};

export type San = { type: 'DNS'; value: string } | { type: 'IP'; value: string };

export function sanText(san: San): string {
  return `${san.type}:${san.value}`;
}

/** Canonical form: DNS lowercased, IPv6 compressed, ::ffff:a.b.c.d kept as IPv6. */
export function normalizeSan(param: SanParam): San {
  if (typeof param === 'object') return 'dns' in param ? dnsSan(param.dns) : ipSan(param.ip);
  const m = param.match(/^(DNS|IP):(.+)$/);
  if (!m) throw new TaskError(`bad SAN "${param}": use DNS:name or IP:address`);
  return m[1] === 'DNS' ? dnsSan(m[2]!) : ipSan(m[2]!);
}

function dnsSan(name: string): San {
  if (!new RegExp(`^${DNS_NAME}$`).test(name)) throw new TaskError(`bad DNS name in SAN: "${name}"`);
  return { type: 'DNS', value: name.toLowerCase() };
}

function ipSan(address: string): San {
  if (isIPv4(address)) return { type: 'IP', value: address };
  if (isIPv6(address)) return { type: 'IP', value: canonicalIPv6(address) };
  throw new TaskError(`bad IP address in SAN: "${address}"`);
}

export function canonicalIPv6(address: string): string {
  // The WHATWG URL parser prints IPv6 hosts in RFC 5952 form.
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export function uniqueSans(sans: readonly San[]): San[] {
  const seen = new Map<string, San>();
  for (const san of sans) seen.set(sanText(san), san);
  return [...seen.values()];
}

/** "+IP:10.0.0.5 -DNS:old" (wanted but missing with +, present but unwanted with -); empty when equal as sets. */
export function sanDifferences(actual: readonly string[], wanted: readonly San[]): string {
  const have = new Set(actual);
  const want = new Set(wanted.map(sanText));
  const added = [...want].filter((s) => !have.has(s)).map((s) => `+${s}`);
  const removed = [...have].filter((s) => !want.has(s)).map((s) => `-${s}`);
  return [...added, ...removed].join(' ');
}

/** openssl config value: "DNS:a, IP:1.2.3.4". */
export function opensslSans(sans: readonly San[]): string {
  return sans.map(sanText).join(', ');
}
