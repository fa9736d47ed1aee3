/** Distinguished names: the subject parameter, its DER form, comparison and openssl's -subj syntax. */
import { TAG, children, decodeOid, expectTag, oid, printableString, sequence, set, utf8String, type DerNode } from './x509-der.ts';
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
const ATTRIBUTES = [
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

/** Name DER: one single-valued RDN per attribute; C is PrintableString, the rest UTF8String (as openssl -utf8). */
export function encodeName(subject: Subject): Buffer {
  const rdns = ATTRIBUTES.filter(([name]) => subject[name] !== undefined).map(([name, id]) => {
    const value = subject[name]!;
    return set(sequence(oid(id), name === 'C' ? printableString(value) : utf8String(value)));
  });
  return sequence(...rdns);
}

/** Attribute short name (or dotted OID) -> value; a repeated attribute keeps its values joined with "+". */
export function decodeName(node: DerNode): Record<string, string> {
  expectTag(node, TAG.SEQUENCE, 'Name');
  const out: Record<string, string> = {};
  for (const rdn of children(node)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      if (!type || !value) continue;
      const id = decodeOid(type);
      const name = NAME_BY_OID.get(id) ?? id;
      const text = value.tag === 0x1e ? decodeBmp(value.content) : value.content.toString('utf8');
      out[name] = out[name] === undefined ? text : `${out[name]}+${text}`;
    }
  }
  return out;
}

function decodeBmp(content: Buffer): string {
  const swapped = Buffer.from(content);
  swapped.swap16();
  return swapped.toString('utf16le');
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
