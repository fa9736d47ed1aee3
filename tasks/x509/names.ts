/** Distinguished names: the subject parameter, its DER form, comparison and openssl's -subj syntax. */
import * as asn1js from 'asn1js';
import { MalformedDer, elements, oidOf, rawBytes } from './der.ts';
import type { JsonSchema } from '../../engine/task.ts';

export interface Subject {
  C?: string;
  ST?: string;
  L?: string;
  O?: string;
  OU?: string;
  CN?: string;
}

/** Attributes in the order the document prompts for them (and openssl prints them). */
export const ATTRIBUTES = [
  ['C', '2.5.4.6'],
  ['ST', '2.5.4.8'],
  ['L', '2.5.4.7'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['CN', '2.5.4.3'],
] as const;

const NAME_BY_OID = new Map<string, string>([
  ...ATTRIBUTES.map(([name, id]) => [id, name] as [string, string]),
  ['1.2.840.113549.1.9.1', 'emailAddress'],
]);

export function subjectSchema(description: string, cnRequired: boolean): JsonSchema {
  const text = (what: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: 64, description: what });
  return {
    type: 'object',
    description,
    additionalProperties: false,
    ...(cnRequired ? { required: ['CN'] } : {}),
    properties: {
      C: { type: 'string', pattern: '^[A-Za-z]{2}$', description: 'Country, two-letter code (e.g. IE).' },
      ST: text('State or province (e.g. GALWAY).'),
      L: text('Locality or city.'),
      O: text('Organization (e.g. QUAY).'),
      OU: text('Organizational unit (e.g. DOCS).'),
      CN: text('Common name (e.g. quay-server.example.com).'),
    },
  };
}

/** Attribute short name (or dotted OID) -> value, from a Name block; a repeated attribute keeps its values joined with "+". */
export function decodeName(name: asn1js.AsnType): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rdn of elements(name, 'name')) {
    for (const attribute of elements(rdn, 'relative distinguished name')) {
      const [type, value] = elements(attribute, 'attribute');
      if (!value) throw new MalformedDer('attribute without a value');
      const id = oidOf(type, 'attribute type');
      const key = NAME_BY_OID.get(id) ?? id;
      // Any string type (UTF8, Printable, IA5, BMP, Teletex...) as text; anything else as hex of its encoding.
      const text = value instanceof asn1js.BaseStringBlock ? value.valueBlock.value : rawBytes(value).toString('hex');
      out[key] = out[key] === undefined ? text : `${out[key]}+${text}`;
    }
  }
  return out;
}

/** "O QUAY -> ACME" for each attribute that differs; empty when equal. */
export function subjectDifferences(actual: Record<string, string>, wanted: Subject): string[] {
  const names = new Set([...Object.keys(actual), ...ATTRIBUTES.map(([n]) => n)]);
  const out: string[] = [];
  for (const name of names) {
    const have = actual[name];
    const want = (wanted as Record<string, string | undefined>)[name];
    if (have !== want) out.push(`${name} ${have ?? '(none)'} -> ${want ?? '(none)'}`);
  }
  return out;
}

export function formatSubject(subject: Record<string, string>): string {
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** openssl's -subj syntax: /C=IE/ST=GALWAY/..., with / + = and \ escaped. */
export function opensslSubject(subject: Subject): string {
  return ATTRIBUTES.filter(([name]) => subject[name] !== undefined)
    .map(([name]) => `/${name}=${subject[name]!.replace(/[\\/+=]/g, (c) => `\\${c}`)}`)
    .join('');
}
