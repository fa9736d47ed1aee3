/** Distinguished names: the subject parameter, its DER form, comparison and openssl's -subj syntax. */
import { MalformedDer, UNIVERSAL, elements, oidOf, type DerNode } from './der.ts';
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
export function decodeName(name: DerNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rdn of elements(name, 'name')) {
    for (const attribute of elements(rdn, 'relative distinguished name')) {
      const [type, value] = elements(attribute, 'attribute');
      if (!value) throw new MalformedDer('attribute without a value');
      const id = oidOf(type, 'attribute type');
      const key = NAME_BY_OID.get(id) ?? id;
      // Any string type (UTF8, Printable, IA5, BMP, Teletex...) as text; anything else as hex of its encoding.
      const text = stringValue(value) ?? value.raw.toString('hex');
      out[key] = out[key] === undefined ? text : `${out[key]}+${text}`;
    }
  }
  return out;
}

/** Universal string types whose bytes are one character each (Numeric, Printable, Teletex, Videotex, IA5, Graphic, Visible, General, Character). */
const BYTE_STRINGS = new Set([18, 19, 20, 21, 22, 25, 26, 27, 29]);

/** The text of a string element, or undefined when it is not one. */
function stringValue(node: DerNode): string | undefined {
  if (node.tagClass !== 0 || node.constructed) return undefined;
  const bytes = node.content;
  if (node.tagNumber === UNIVERSAL.utf8String) return bytes.toString('utf8');
  if (BYTE_STRINGS.has(node.tagNumber)) return bytes.toString('latin1');
  if (node.tagNumber === UNIVERSAL.bmpString) {
    if (bytes.length % 2) throw new MalformedDer('BMPString of an odd length');
    return Buffer.from(bytes).swap16().toString('utf16le');
  }
  if (node.tagNumber === UNIVERSAL.universalString) {
    if (bytes.length % 4) throw new MalformedDer('UniversalString of a length not a multiple of 4');
    const points: number[] = [];
    for (let i = 0; i < bytes.length; i += 4) points.push(bytes.readUInt32BE(i));
    if (points.some((p) => p > 0x10ffff)) throw new MalformedDer('UniversalString beyond Unicode');
    return String.fromCodePoint(...points);
  }
  return undefined;
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
